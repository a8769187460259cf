"""Two languages, no compile step: English message ids, a Chinese catalog, and `_()`.

The language comes from the `lang` cookie (the switch), else Accept-Language, else Chinese,
the department's working language.
"""

from __future__ import annotations

from typing import Any

from flask import Flask, g, has_request_context, request

from .catalog_zh import EN, ZH

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANG_COOKIE = "lang"
CATALOGS: dict[str, dict[str, str]] = {"zh": ZH, "en": EN}


def select_language() -> str:
    """The request's language: cookie, then the browser's preference, then Chinese."""
    chosen = request.cookies.get(LANG_COOKIE)
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or DEFAULT_LANGUAGE


def get_language() -> str:
    """The language of the current request (Chinese outside a request)."""
    if not has_request_context():
        return DEFAULT_LANGUAGE
    if "lang" not in g:
        g.lang = select_language()
    lang: str = g.lang
    return lang


def translate(message: str, lang: str, **values: Any) -> str:
    """`message` in `lang`, with `{name}` placeholders filled from `values`."""
    text = CATALOGS.get(lang, {}).get(message, message)
    return text.format(**values) if values else text


def _(message: str, **values: Any) -> str:
    """`message` in the request's language."""
    return translate(message, get_language(), **values)


def pick(zh: str | None, en: str | None) -> str:
    """The Chinese or English variant of a name, falling back to the other."""
    if get_language() == "en":
        return en or zh or ""
    return zh or en or ""


def init_app(app: Flask) -> None:
    """Make `_`, `pick` and the language available in every template."""
    app.jinja_env.globals.update(_=_, pick=pick, get_language=get_language,
                                 LANGUAGES=LANGUAGES)
