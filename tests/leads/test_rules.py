"""Pure parts: command parsing, assignment order, the [leads] config contract."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.settings import Settings
from bot.errors import SettingsError
from leads.assignment import TeamLoad, pick_owner
from leads.commands import Command, Usage, parse_command
from leads.lifecycle import LeadState
from leads.policy import LeadPolicy, SalesRep
from leads.wording import CATALOGUE, Lang
from tagging.contacts import first_phone
from tests.conftest import ConfigWriter
from tests.leads.conftest import LEADS_TOML

TEAM = LeadPolicy(
    wecom="sales",
    sales=(
        SalesRep("a", "A", tags=("上海",)),
        SalesRep("b", "B", max_open=1),
        SalesRep("c", "C", tags=("上海",)),
    ),
)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("认领 12", Command("claim", 12)),
        ("claim #12", Command("claim", 12, lang=Lang.EN)),
        ("状态 3 明确意向", Command("status", 3, state=LeadState.INTENT)),
        ("STATUS 3 won", Command("status", 3, state=LeadState.WON, lang=Lang.EN)),
        ("备注 4 周六 到店", Command("note", 4, text="周六 到店")),
        ("transfer 5 lisi", Command("transfer", 5, text="lisi", lang=Lang.EN)),
        ("线索 6", Command("show", 6)),
        ("今日", Command("today")),
        ("mine", Command("mine", lang=Lang.EN)),
    ],
)
def test_commands_parse_in_both_languages(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize("text", ["", "认领", "状态 1 new", "状态 1 沉睡", "备注 2", "hello"])
def test_bad_commands_get_usage(text: str) -> None:
    assert isinstance(parse_command(text), Usage)


@given(st.text(max_size=60))
def test_parsing_never_fails_on_any_text(text: str) -> None:
    assert isinstance(parse_command(text), Command | Usage)


@pytest.mark.parametrize(
    ("text", "phone"),
    [
        ("电话13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("138 0013 8000 谢谢", "13800138000"),
        ("订单号 213800138000", None),
        ("12345678901", None),
    ],
)
def test_phone_detection(text: str, phone: str | None) -> None:
    assert first_phone(text) == phone


def test_tags_first_then_round_robin_then_capacity() -> None:
    empty = TeamLoad({}, {})
    assert pick_owner(TEAM, ["上海"], empty).userid == "a"  # type: ignore[union-attr]
    assert pick_owner(TEAM, ["上海"], TeamLoad({}, {"a": 5})).userid == "c"  # type: ignore[union-attr]
    assert pick_owner(TEAM, [], TeamLoad({}, {"a": 5, "c": 6})).userid == "b"  # type: ignore[union-attr]
    full_b = TeamLoad({"b": 1}, {"a": 5, "c": 6})
    assert pick_owner(TEAM, [], full_b).userid == "a"  # type: ignore[union-attr]
    assert pick_owner(TEAM, [], full_b, exclude=["a", "c"]) is None


def test_leads_config_is_read(leads_settings: Settings) -> None:
    policy = leads_settings.leads
    assert policy is not None
    assert policy.followup.remind_days == 3 and policy.followup.pool_days == 7
    assert policy.rep("wangwu") == SalesRep("wangwu", "王五", max_open=1)
    assert leads_settings.wecom_app("sales") is not None
    assert "corp-secret" not in repr(leads_settings)


@pytest.mark.parametrize(
    ("change", "key"),
    [
        (('wecom = "sales"', 'wecom = "nope"'), "leads.wecom"),
        (
            ("daily_claim_cap = 3", "daily_claim_cap = 3\nfollowup_days = 9"),
            "leads.followup_pool_days",
        ),
        (('name = "王五"', 'name = "王五"\nbogus = 1'), "leads.sales[2].bogus"),
        (("agent_id = 1000002", 'agent_id = "x"'), "wecom[0].agent_id"),
    ],
)
def test_leads_config_errors_name_the_key(
    write_config: ConfigWriter, change: tuple[str, str], key: str
) -> None:
    with pytest.raises(SettingsError) as error:
        write_config(extra=LEADS_TOML.replace(*change))
    assert error.value.key == key


@pytest.mark.parametrize("key", sorted(CATALOGUE))
def test_every_message_has_both_languages_with_the_same_fields(key: str) -> None:
    import string  # noqa: PLC0415 - only this test parses format strings

    chinese, english = CATALOGUE[key]
    fields = [{name for _, name, _, _ in string.Formatter().parse(text) if name}
              for text in (chinese, english)]  # fmt: skip
    assert fields[0] == fields[1]
    assert english.isascii() or "→" in english or "·" in english
