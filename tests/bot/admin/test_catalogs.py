"""The site's message catalogs are complete and current: every string the code and the
templates mark (extracted with Babel, as `python -m bot.admin.catalogs` does) has a
translation in Chinese and English, and no catalog holds a string the code lost."""

from __future__ import annotations

import re

import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.pofile import read_po

from bot.admin.catalogs import TEMPLATE, Lang, extract, load_translations, read_catalog
from bot.admin.reader import Reader
from bot.admin.vocabulary import LEAD_STATE
from filecheck.wording import N_, Wording
from keywords.problems import CellError
from keywords.rules import Trigger
from leads.lifecycle import LABELS

# Strings that read the same in Chinese: an identifier's name.
SAME_IN_CHINESE = frozenset({"unionid"})
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def _ids(catalog: Catalog) -> set[object]:
    return {(message.context, message.id) for message in catalog if message.id}


def _translations(message: Message) -> list[str]:
    string = message.string
    return [string] if isinstance(string, str) else list(string or ())


@pytest.fixture(scope="module")
def extracted() -> Catalog:
    return extract()


def test_the_template_is_what_the_code_marks(extracted: Catalog) -> None:
    with TEMPLATE.open("rb") as file:
        template = read_po(file)
    missing = _ids(extracted) - _ids(template)
    stale = _ids(template) - _ids(extracted)
    assert not missing, f"run python -m bot.admin.catalogs: new strings {sorted(map(str, missing))}"
    assert not stale, f"run python -m bot.admin.catalogs: gone strings {sorted(map(str, stale))}"


@pytest.mark.parametrize("lang", list(Lang))
def test_every_string_is_translated(extracted: Catalog, lang: Lang) -> None:
    catalog = read_catalog(lang)
    assert _ids(extracted) <= _ids(catalog), "run python -m bot.admin.catalogs"
    assert not _ids(catalog) - _ids(extracted), "the catalog holds strings the code lost"
    untranslated = [
        message.id
        for message in catalog
        if message.id and (message.fuzzy or not all(_translations(message)))
    ]
    assert untranslated == []


@pytest.mark.parametrize("lang", list(Lang))
def test_translations_keep_their_placeholders(lang: Lang) -> None:
    """Babel's own checks (python-format), and the same fields on both sides."""
    catalog = read_catalog(lang)
    assert [(message.id, errors) for message, errors in catalog.check()] == []
    for message in catalog:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        wanted = set(_PLACEHOLDER.findall(str(ids[-1]))) - {"num"}
        for text in _translations(message):
            assert set(_PLACEHOLDER.findall(text)) - {"num"} == wanted, message.id


def test_chinese_translations_are_not_english_copies() -> None:
    copied = [
        message.id
        for message in read_catalog(Lang.ZH)
        if message.id
        and isinstance(message.id, str)
        and message.string == message.id
        and message.id not in SAME_IN_CHINESE
    ]
    assert copied == []


def test_lead_states_read_as_the_staff_chat_says_them() -> None:
    """The site's Chinese for a state is the label salespeople see in WeCom."""
    chinese = Reader(Lang.ZH, load_translations()[Lang.ZH])
    for state, label in LABELS.items():
        assert chinese.label(LEAD_STATE, state) == label


def test_a_check_problem_reads_in_either_language() -> None:
    translations = load_translations()
    problem = Wording(N_("a %(trigger)s rule needs keywords"), {"trigger": Trigger.CLICK})
    assert str(problem) == "a click rule needs keywords"  # the CLI's English
    assert Reader(Lang.ZH, translations[Lang.ZH]).words(problem) == "菜单点击规则需要关键词"
    assert (
        Reader(Lang.EN, translations[Lang.EN]).words(problem) == "a Menu click rule needs keywords"
    )
    assert isinstance(CellError(problem), ValueError)
