"""The person reading a page: their language, and values written as they read them.

One `Reader` per request. Pages and views translate through it (`gettext`, the
labels of stored codes, a domain `Wording`), and write numbers, ages and times
with Babel in the reader's locale, in the team's timezone.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import cache

from babel import Locale
from babel.dates import format_timedelta
from babel.numbers import format_currency, format_decimal, format_percent
from babel.support import Translations
from markupsafe import Markup, escape

from bot.admin.catalogs import Lang
from bot.admin.vocabulary import BY_ENUM, SOURCE
from filecheck.wording import Wording
from keywords.hours import shanghai

_KINDS_LONGEST_FIRST = sorted(SOURCE, key=len, reverse=True)


@cache
def babel_locale(lang: Lang) -> Locale:
    """Babel's locale data for a language, read once (parsing it per call costs 25 µs)."""
    return Locale.parse(lang.locale)


@dataclass(frozen=True)
class Reader:
    """Translations and formats for one language."""

    lang: Lang
    translations: Translations

    def gettext(self, message: str) -> str:
        return str(self.translations.gettext(message))

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return str(self.translations.ngettext(singular, plural, n))

    def label(self, words: Mapping[str, str], code: str | None) -> str:
        """The reader's word for a stored code; the code itself if it has none."""
        if code is None:
            return ""
        known = words.get(code)
        return self.gettext(known) if known is not None else code

    def words(self, wording: str | Wording) -> str:
        """A domain message in the reader's language, its enum fields as labels (a plain
        string is a message no catalog has: shown as written)."""
        if isinstance(wording, str):
            return wording
        fields = {name: self._field(value, marked=False) for name, value in wording.fields.items()}
        return self.gettext(wording.template) % fields

    def words_html(self, wording: str | Wording) -> Markup:
        """`words` for a page: escaped, and the values it quotes (a cell's text, a rule's
        name) marked as data that is not translated."""
        if isinstance(wording, str):
            return escape(wording)
        fields = {name: self._field(value, marked=True) for name, value in wording.fields.items()}
        return escape(self.gettext(wording.template)) % fields

    def _field(self, value: str | int | StrEnum | Wording, *, marked: bool) -> str | int | Markup:
        if isinstance(value, Wording):
            return self.words_html(value) if marked else self.words(value)
        if isinstance(value, StrEnum):
            words = BY_ENUM.get(type(value), {})
            return self.label(words, value.value)
        if marked and isinstance(value, str):
            return Markup('<span translate="no">%s</span>') % value
        return value

    def source(self, source: str | None) -> tuple[str, str]:
        """A tag's or timeline entry's source as (what, which): "keyword:price" →
        ("关键词规则", "price"). The part after the kind is a name, shown as it is."""
        if not source:
            return "", ""
        for kind in _KINDS_LONGEST_FIRST:
            if source == kind:
                return self.label(SOURCE, kind), ""
            if source.startswith(kind) and source[len(kind)] in ": ":
                return self.label(SOURCE, kind), source[len(kind) + 1 :]
        return "", source

    def number(self, value: int | float) -> str:
        return format_decimal(value, locale=babel_locale(self.lang))

    def percent(self, value: float | None) -> str:
        """A ratio as "12%"; "—" when there is nothing to divide by."""
        return "—" if value is None else format_percent(value, locale=babel_locale(self.lang))

    def yuan(self, value: float | None) -> str:
        """An amount in yuan, whole: "¥1,200" ("CN¥1,200" in English); "—" for none."""
        if value is None:
            return "—"
        return format_currency(round(value), "CNY", format="¤#,##0", locale=babel_locale(self.lang),
                               currency_digits=False)  # fmt: skip

    def duration(self, delta: timedelta) -> str:
        """A span as people say it: "12 分钟", "3 天" (rounded, as Babel does)."""
        return format_timedelta(
            max(delta, timedelta()),
            threshold=1,
            granularity="minute",
            locale=babel_locale(self.lang),
        )

    def ago(self, then: datetime, now: datetime) -> str:
        """ "12 分钟前"."""
        return format_timedelta(
            min(then - now, timedelta()),
            threshold=1,
            granularity="minute",
            add_direction=True,
            locale=babel_locale(self.lang),
        )

    def time(self, value: datetime | None) -> str:
        """A moment in the team's timezone, to the minute (the same in both languages)."""
        return "" if value is None else value.astimezone(shanghai()).strftime("%Y-%m-%d %H:%M")

    def short_time(self, value: datetime | None) -> str:
        return "" if value is None else value.astimezone(shanghai()).strftime("%m-%d %H:%M")
