"""The site's message catalogs: Babel's gettext catalogs, one per language.

The `.po` files in `bot/admin/locale/` are the one copy kept in the repository: the
site compiles them in memory when it starts (Babel's `read_po` and `write_mo`, a few
milliseconds), so there is no `.mo` file to build at install time or to go stale.

`python -m bot.admin.catalogs` extracts every marked string (`_()`/`gettext` in the
templates and the site's code, `N_()` in the domain packages whose words the site
shows) into `messages.pot` and merges it into each language's `.po`; then translate
what it lists as untranslated. `tests/bot/admin/test_catalogs.py` fails on a string
with no translation in either language and on a catalog older than the code.
"""

from __future__ import annotations

import io
import sys
from collections.abc import Iterable
from enum import StrEnum
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po
from babel.support import Translations

LOCALE_DIR = Path(__file__).resolve().parent / "locale"
TEMPLATE = LOCALE_DIR / "messages.pot"
DOMAIN = "messages"
ROOT = Path(__file__).resolve().parents[2]
# Where marked strings live, and how Babel reads each kind of file.
SOURCES = {
    "bot/admin": [("**.py", "python"), ("templates/**.html", "jinja2")],
    "bot/ops": [("**.py", "python")],
    "keywords": [("**.py", "python")],
    "menus": [("**.py", "python")],
    "channels": [("**.py", "python")],
    # The sales team's checks and hand-over refusals (`leads/team_rules.py`, `leads/handover.py`).
    "leads": [("**.py", "python")],
}
KEYWORDS = {
    "_": None,
    "gettext": None,
    "ngettext": (1, 2),
    "N_": None,
}
JINJA_OPTIONS = {"extensions": "jinja2.ext.i18n", "trimmed": "true"}


class Lang(StrEnum):
    """The languages of the site, Chinese first; the value is the session's word for it."""

    ZH = "zh"
    EN = "en"

    @property
    def locale(self) -> str:
        """Babel's locale (and the catalog's folder) for the language."""
        return "zh_CN" if self is Lang.ZH else "en"

    @property
    def html(self) -> str:
        return "zh-CN" if self is Lang.ZH else "en"


def po_path(lang: Lang) -> Path:
    return LOCALE_DIR / lang.locale / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: Lang) -> Catalog:
    with po_path(lang).open("rb") as file:
        return read_po(file, locale=lang.locale, domain=DOMAIN)


def load_translations() -> dict[Lang, Translations]:
    """Every language's catalog, compiled in memory (fuzzy entries left out, as msgfmt does)."""
    compiled = {}
    for lang in Lang:
        buffer = io.BytesIO()
        write_mo(buffer, read_catalog(lang))
        buffer.seek(0)
        compiled[lang] = Translations(buffer, domain=DOMAIN)
    return compiled


def extract() -> Catalog:
    """Every marked string of the sources, as Babel's extraction finds them."""
    template = Catalog(domain=DOMAIN, project="wxbot", fuzzy=False)
    for folder, method_map in SOURCES.items():
        found = extract_from_dir(
            ROOT / folder,
            method_map=method_map,
            options_map={"templates/**.html": JINJA_OPTIONS},
            keywords=KEYWORDS,
        )
        for filename, lineno, message, comments, context in found:
            where = f"{folder}/{filename}"
            template.add(message, None, [(where, lineno)], auto_comments=comments, context=context)
    return template


def _write(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as file:
        write_po(file, catalog, width=100, sort_output=True, ignore_obsolete=True)


def update() -> list[str]:
    """Extract into messages.pot and merge into every .po; the entries still untranslated."""
    template = extract()
    _write(template, TEMPLATE)
    untranslated = []
    for lang in Lang:
        catalog = read_catalog(lang) if po_path(lang).exists() else Catalog(locale=lang.locale)
        catalog.update(template, no_fuzzy_matching=True)
        for message in catalog:
            strings = [message.string] if isinstance(message.string, str) else message.string or []
            if not message.id or all(strings):
                continue
            if lang is Lang.EN:
                # English is the source language: a new string starts as itself.
                message.string = message.id
            else:
                untranslated.append(f"{lang.locale}: {message.id!r}")
        _write(catalog, po_path(lang))
    return untranslated


def main(argv: Iterable[str] = ()) -> int:
    del argv
    missing = update()
    sys.stdout.write("".join(f"untranslated {line}\n" for line in missing))
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
