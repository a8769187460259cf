"""Every word a person reads, from one gettext catalog: English message ids, Chinese in
`zh_CN/LC_MESSAGES/keyflow.po` beside this file (how to add a message: DEVELOPERS.md).

The catalog is compiled in memory from the `.po` the first time a language is used, so a
fresh clone needs no build step and no stale `.mo` can be read. The engine's mails take the
recipient's `Texts`; the web UI (Flask-Babel, webui/i18n.py) reads the same `translations()`.

Stored language codes stay `zh` and `en`. This module is the one place that knows what a code
means: its Babel locale, and which variant of bilingual data (BPMN names, form titles: Chinese
first, English in `*_en`) its readers get. Engine code elsewhere never compares a language
code (tests/test_layers.py).
"""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from io import BytesIO
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import format_date, format_datetime, format_skeleton, format_timedelta
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.numbers import format_decimal, format_percent
from babel.support import NullTranslations, Translations

CATALOG_DIR = Path(__file__).parent
DOMAIN = "keyflow"
LOCALES: dict[str, str] = {"zh": "zh_CN", "en": "en"}  # stored code -> Babel locale
LANGUAGES = tuple(LOCALES)
DEFAULT_LANGUAGE = "zh"  # the department's working language
MOMENT = "yyyy-MM-dd HH:mm"  # how the department writes a moment, in either language


def N_(message: str) -> str:
    """Mark `message` for extraction where it is translated later (a table of labels)."""
    return message


def known_language(code: object) -> str:
    """`code` if it is a language keyflow speaks, else the default (Chinese)."""
    return code if isinstance(code, str) and code in LOCALES else DEFAULT_LANGUAGE


def catalog_path(locale: str) -> Path:
    """Where the `.po` catalog of `locale` lives (it may not exist: English needs none)."""
    return CATALOG_DIR / locale / "LC_MESSAGES" / f"{DOMAIN}.po"


@cache
def translations(locale: str) -> NullTranslations:
    """The compiled catalog of `locale` (a Babel locale name such as `zh_CN`).

    Fuzzy entries are left out, as `pybabel compile` would: they show the English id until a
    translator confirms them. A locale without a catalog (English) shows the ids themselves.
    """
    path = catalog_path(locale)
    if not path.is_file():
        return NullTranslations()
    with path.open("rb") as po:
        catalog = read_po(po, locale=locale, domain=DOMAIN)
    compiled = BytesIO()
    write_mo(compiled, catalog, use_fuzzy=False)
    compiled.seek(0)
    return Translations(compiled, domain=DOMAIN)


class Texts:
    """The words, names and formats of one reader's language."""

    def __init__(self, language: str | None) -> None:
        self.language = known_language(language)
        self.locale = Locale.parse(LOCALES[self.language])  # zh_CN parses as zh_Hans_CN
        self.translations = translations(LOCALES[self.language])
        self._english_first = self.locale.language == "en"

    def _(self, message: str, **values: Any) -> str:
        """`message` translated, its `{name}` placeholders filled from `values`."""
        text = self.translations.gettext(message)
        return text.format(**values) if values else text

    def ngettext(self, singular: str, plural: str, n: int, **values: Any) -> str:
        """The plural form for `n`, with `{n}` and the other placeholders filled."""
        return self.translations.ngettext(singular, plural, n).format(n=n, **values)

    def name(self, zh: str | None, en: str | None) -> str:
        """The variant of a bilingual name (process, task, timer) this reader gets."""
        first, second = (en, zh) if self._english_first else (zh, en)
        return first or second or ""

    def moment(self, when: datetime, tz: ZoneInfo) -> str:
        """A moment as the company reads it, in its time zone: `2026-03-04 09:00`."""
        return format_datetime(when, MOMENT, tzinfo=tz, locale=self.locale)

    def day(self, value: date) -> str:
        """A date in words: `2026年3月4日`, `March 4, 2026`."""
        return format_date(value, "long", locale=self.locale)

    def day_of_year(self, value: date) -> str:
        """A day and month without the year (a birthday): `3月4日`, `March 4`."""
        return format_skeleton("MMMMd", value, locale=self.locale)

    def duration(self, amount: int, unit: str) -> str:
        """`amount` whole `unit`s (day, hour, minute) in words: `2天`, `2 days`."""
        seconds = {"day": 86400, "hour": 3600, "minute": 60}[unit] * amount
        # threshold=1: the amount is exact, so no larger unit may swallow it (20 h is no day).
        return format_timedelta(seconds, threshold=1, locale=self.locale)

    def decimal(self, value: Any, pattern: str | None = None) -> str:
        """A number with the locale's separators."""
        return format_decimal(value, format=pattern, locale=self.locale)

    def percent(self, value: float, pattern: str = "#,##0.0%") -> str:
        """A ratio as a percentage: `0.5` -> `50.0%`."""
        return format_percent(value, format=pattern, locale=self.locale)


def texts_for(language: str | None) -> Texts:
    """The `Texts` of a stored language code (unknown codes read Chinese)."""
    return _texts(known_language(language))


@cache
def _texts(language: str) -> Texts:
    return Texts(language)
