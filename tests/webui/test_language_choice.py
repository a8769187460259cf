"""The request's language, chosen once per request and once per Accept-Language value, is
the one Werkzeug's parsing and Flask-Babel's domain would give."""

from __future__ import annotations

import pytest
from flask import Flask, request
from flask_babel import get_translations

from webui import i18n


@pytest.mark.parametrize("header", [
    None, "", "en", "en-US,en;q=0.8", "zh-CN,zh;q=0.9", "fr", "fr, en;q=0.1", "en;q=0, zh",
    "*", "de-DE,de;q=0.9,en;q=0.5", "garbage;;q=x"])
def test_the_language_is_werkzeugs_best_match(app: Flask, header):
    headers = {"Accept-Language": header} if header is not None else {}
    for _ in range(2):  # the second time from the remembered header
        with app.test_request_context("/", headers=headers):
            expected = request.accept_languages.best_match(i18n.LANGUAGES) or "zh"
            assert i18n.get_language() == expected


def test_the_cookie_wins(app: Flask):
    with app.test_request_context("/", headers={"Cookie": "lang=en", "Accept-Language": "zh"}):
        assert i18n.get_language() == "en"
    with app.test_request_context("/", headers={"Cookie": "lang=xx", "Accept-Language": "en"}):
        assert i18n.get_language() == "en"


def test_the_catalog_is_flask_babels(app: Flask):
    # `_` reads the catalog directly; Flask-Babel's domain (CatalogDomain) must answer the same.
    for header in ("en", "zh"):
        with app.test_request_context("/", headers={"Accept-Language": header}):
            assert i18n._catalog() is get_translations()
            assert i18n._("Please sign in.") == get_translations().gettext("Please sign in.")
    with app.app_context():
        assert i18n._catalog() is get_translations()


def test_the_remembered_headers_are_bounded(app: Flask, monkeypatch):
    monkeypatch.setattr(i18n, "_PREFERRED", {})
    for n in range(i18n._PREFERRED_MAX + 10):
        assert i18n._preferred(f"en;q=0.{n % 9 + 1}, x-{n}") == "en"
    assert len(i18n._PREFERRED) == i18n._PREFERRED_MAX
