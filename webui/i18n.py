"""Two languages through Flask-Babel, from the engine's gettext catalog (engine/i18n).

The language comes from the `lang` cookie (the switch), else Accept-Language, else Chinese,
the department's working language. Stored codes are `zh` and `en`; Babel sees their locales
(zh_CN, en). `_()` keeps `{name}` placeholders: `_("Done: {task}.", task=name)`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from babel import Locale
from babel.support import NullTranslations
from flask import Flask, current_app, g, has_request_context, request
from flask_babel import Babel, Domain
from werkzeug.datastructures import LanguageAccept
from werkzeug.http import parse_accept_header

from engine.errors import Problem
from engine.i18n import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    LOCALES,
    N_,
    known_language,
    texts_for,
    translations,
)

__all__ = ["LANGUAGES", "LANG_COOKIE", "N_", "_", "get_language", "init_app", "ngettext",
           "pgettext", "pick"]

LANG_COOKIE = "lang"


def select_language() -> str:
    """The request's language: cookie, then the browser's preference, then Chinese."""
    environ = request.environ
    if "HTTP_COOKIE" in environ:  # no cookie header, no parsing of one
        chosen = request.cookies.get(LANG_COOKIE)
        if chosen in LANGUAGES:
            return chosen
    return _preferred(environ.get("HTTP_ACCEPT_LANGUAGE", ""))


_PREFERRED: dict[str, str] = {}  # Accept-Language header → its language, for the common ones
_PREFERRED_MAX = 256  # browsers send few distinct headers; anything beyond is not kept


def _preferred(header: str) -> str:
    """The language an Accept-Language header prefers among ours (Chinese by default);
    what `request.accept_languages.best_match` answers, each header value parsed once."""
    language = _PREFERRED.get(header)
    if language is None:
        language = (parse_accept_header(header, LanguageAccept).best_match(LANGUAGES)
                    or DEFAULT_LANGUAGE)
        if len(_PREFERRED) < _PREFERRED_MAX:
            _PREFERRED[header] = language
    return language


def get_language() -> str:
    """The language code of the current request (Chinese outside a request); chosen once
    per request."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    attributes = g._get_current_object().__dict__  # one proxy lookup
    lang: str | None = attributes.get("lang")
    if lang is None:
        lang = attributes["lang"] = select_language()
    return lang


class CatalogDomain(Domain):
    """Flask-Babel's domain, reading the engine's catalog (compiled in memory from the .po)."""

    def get_translations(self) -> NullTranslations:
        """The catalog of the request's language (the one the locale selector chose)."""
        return translations(LOCALES[get_language()])


def _catalog() -> NullTranslations:
    """The request's catalog; Chinese outside any request. What Flask-Babel's
    `get_translations()` answers with `CatalogDomain` as the app's domain (init_app), without
    its context lookups on every call."""
    return translations(LOCALES[get_language()])


def _(message: str, **values: Any) -> str:
    """`message` in the request's language, `{name}` placeholders filled from `values`."""
    text = _catalog().gettext(message)
    return text.format(**values) if values else text


def ngettext(singular: str, plural: str, n: int, **values: Any) -> str:
    """The plural form for `n` in the request's language, `{n}` filled in."""
    return _catalog().ngettext(singular, plural, n).format(n=n, **values)


def pgettext(context: str, message: str, **values: Any) -> str:
    """`message` in the request's language, told apart from the same words elsewhere."""
    text = _catalog().pgettext(context, message)
    return text.format(**values) if values else text


def pick(zh: str | None, en: str | None) -> str:
    """The variant of a bilingual name (process, task, form title) for the request."""
    return texts_for(get_language()).name(zh, en)


def problem_rows(problems: Iterable[Problem]) -> list[dict[str, str | None]]:
    """A refused bundle's problems (file, element id, reason) in the request's language."""
    texts = texts_for(get_language())
    return [problem.as_dict(texts) for problem in problems]


def language_tag(code: str | None = None) -> str:
    """The BCP 47 tag of a language (the request's by default): `zh-CN`, `en`."""
    return LOCALES[known_language(code or get_language())].replace("_", "-")


def language_name(code: str) -> str:
    """A language's name in itself (`中文`, `English`), as a language switch shows it."""
    return Locale.parse(LOCALES[code]).language_name or code


def init_app(app: Flask) -> None:
    """Attach Flask-Babel and make `_`, `ngettext`, `pick` and the language templates' too."""
    babel = Babel(configure_jinja=False)  # our `_` keeps `{name}`, not Flask-Babel's `%(name)s`
    babel.init_app(app, default_locale=LOCALES[DEFAULT_LANGUAGE],
                   locale_selector=lambda: LOCALES[get_language()],
                   timezone_selector=lambda: current_app.config.get("TIMEZONE",
                                                                    "Asia/Shanghai"))
    babel.domain_instance = CatalogDomain()
    app.jinja_env.globals.update(_=_, ngettext=ngettext, pgettext=pgettext, pick=pick,
                                 get_language=get_language, LANGUAGES=LANGUAGES,
                                 language_tag=language_tag, language_name=language_name)
