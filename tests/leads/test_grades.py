"""Lead grades: first match wins, re-graded on every event, an upgrade alerts sales once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.app import create_app
from bot.app_keys import SESSIONS
from bot.config.settings import load_settings
from bot.errors import SettingsError
from bot.ops.profile_text import render_profile
from bot.testing.wechat_player import WeChatPlayer
from bot.testing.wecom_player import WeComPlayer
from fakewechat.state import FakeWeChat
from leads.grades import Grade, GradeCondition, Urgency, Window, grade_of
from storage.profile_facts import ProfileFacts
from tests.bot.test_ops_metrics import samples
from tests.conftest import ClientFactory, ConfigWriter
from tests.leads.conftest import GRADES_TOML, LEADS_TOML
from tests.leads.helpers import LeadsBot, ShiftedClock

NOW = datetime(2026, 12, 1, 12, tzinfo=UTC)
GRADES = (
    Grade(
        "A",
        (
            GradeCondition(min_score=150, any_tags=("试驾意向",)),
            GradeCondition(min_score=150, channels=("spring_expo",)),
        ),
        urgency=Urgency.URGENT,
    ),
    Grade("B", (GradeCondition(min_score=100),)),
    Grade("C", (GradeCondition(phone=True),), push=False),
)


def facts(**values: object) -> ProfileFacts:
    return ProfileFacts(profile_id=1, **values)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("profile", "expected"),
    [
        (facts(score=160, tags=frozenset({"试驾意向"})), "A"),
        (facts(score=160, first_channel="spring_expo"), "A"),
        (facts(score=149, tags=frozenset({"试驾意向"}), has_phone=True), "B"),
        (facts(score=160), "B"),
        (facts(score=10, has_phone=True), "C"),
        (facts(score=99), None),
    ],
)
def test_the_first_matching_grade_wins(profile: ProfileFacts, expected: str | None) -> None:
    found = grade_of(GRADES, profile, NOW)
    assert (found.name if found else None) == expected


def test_message_windows_count_only_recent_events() -> None:
    active = Grade("hot", (GradeCondition(messages=Window(3, 7)),))
    recent = tuple(NOW - timedelta(days=d) for d in (1, 2, 3))
    old = tuple(NOW - timedelta(days=d) for d in (1, 2, 30))
    assert grade_of([active], facts(message_times=recent), NOW) == active
    assert grade_of([active], facts(message_times=old), NOW) is None


@given(score=st.integers(0, 400), phone=st.booleans(), drive=st.booleans())
def test_grading_agrees_with_a_naive_reading_of_the_rules(
    score: int, phone: bool, drive: bool
) -> None:
    tags = frozenset({"试驾意向"}) if drive else frozenset()
    expected = (
        "A"
        if score >= 150 and drive
        else "B"
        if score >= 100
        else "C"
        if phone
        else None
    )  # fmt: skip
    found = grade_of(GRADES, facts(score=score, has_phone=phone, tags=tags), NOW)
    assert (found.name if found else None) == expected


def test_grades_are_read_from_the_config(write_config: ConfigWriter) -> None:
    policy = write_config(extra=LEADS_TOML + GRADES_TOML).leads
    assert policy is not None
    assert [g.name for g in policy.grades] == ["A", "B", "C"]
    assert policy.grades[0].urgency == Urgency.URGENT and len(policy.grades[0].when) == 2
    assert policy.claim_minutes_for("A") == 10 and policy.claim_minutes_for("B") == 30
    assert policy.grades[2].push is False


@pytest.mark.parametrize(
    ("grades", "key"),
    [
        ('[[leads.grades]]\nname = "A"\n', "leads.grades[0]: a grade needs at least one"),
        ('[[leads.grades]]\nname = "A"\nmin_score = 1\nurgency = "now"\n', "urgency"),
        ('[[leads.grades]]\nname = "A"\nmin_score = 1\n[[leads.grades]]\nname = "A"\n', "name"),
        ('[[leads.grades]]\nname = "A"\nmin_scor = 1\n', "min_scor"),
    ],
)
def test_bad_grades_name_the_key(write_config: ConfigWriter, grades: str, key: str) -> None:
    with pytest.raises(SettingsError, match=key.replace("[", r"\[").replace("]", r"\]")):
        write_config(extra=LEADS_TOML + grades)


@pytest.fixture
async def graded_bot(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    clock: ShiftedClock,
    fake_state: FakeWeChat,
    wecom: WeComPlayer,
) -> LeadsBot:
    settings = write_config(extra=LEADS_TOML + GRADES_TOML)
    client = await aiohttp_client(create_app(settings, clock=clock))
    return LeadsBot(client, fake_state, wecom, clock)


async def test_an_upgrade_from_c_to_a_alerts_sales_once(
    graded_bot: LeadsBot, player: WeChatPlayer
) -> None:
    lead = await graded_bot.new_lead(player, "o_grade", "电话13800138000")
    assert lead.grade == "C" and lead.owner is None  # nurtured: nobody alerted
    assert graded_bot.alerts_to("zhangsan") + graded_bot.alerts_to("lisi") == []
    await graded_bot.follower_says(player, "o_grade", "想试驾")  # +60 and 试驾意向: A
    [alert] = await graded_bot.wait_alert("zhangsan")
    card = alert.payload["template_card"]
    assert card["main_title"]["title"] == f"【紧急】线索 #{lead.id}"
    assert {"keyname": "等级", "value": "A（-→C→A）"} in card["horizontal_content_list"]
    await graded_bot.follower_says(player, "o_grade", "想试驾")
    await graded_bot.follower_says(player, "o_grade", "价格多少")
    await graded_bot.wait_idle()
    assert len(graded_bot.alerts_to("zhangsan") + graded_bot.alerts_to("lisi")) == 1
    assert (await graded_bot.lead(lead.id)).grade == "A"
    kinds = [kind for kind, _, _ in await graded_bot.events(lead.id)]
    assert kinds == ["created", "graded", "graded", "assigned"]
    assert "等级 A（-→C→A）" in await graded_bot.staff_says("zhangsan", f"线索 {lead.id}")
    async with graded_bot.client.app[SESSIONS]() as session:
        shown = await render_profile(session, lead.profile_id)
    assert "  grade   A (-→C, C→A)" in shown
    state = (await graded_bot.lead(lead.id)).state
    leads = {
        labels: value
        for (name, labels), value in (await samples(graded_bot.client)).items()
        if name == "wxbot_leads"
    }
    assert leads == {(("grade", "A"), ("state", state)): 1}


async def test_an_upgrade_of_a_pushed_lead_alerts_its_owner_again(
    graded_bot: LeadsBot, player: WeChatPlayer
) -> None:
    for _ in range(3):
        await graded_bot.follower_says(player, "o_up", "价格多少")  # 30 each
    lead = await graded_bot.new_lead(player, "o_up", "价格多少")  # 120: B
    assert lead.grade == "B" and lead.owner == "zhangsan"
    await graded_bot.follower_says(player, "o_up", "想试驾")  # 180 and 试驾意向: A
    first, second = await graded_bot.wait_alert("zhangsan", 2)
    assert "【紧急】" not in str(first.payload)
    assert second.payload["template_card"]["main_title"] == {
        "title": f"【紧急】线索 #{lead.id}",
        "desc": "线索升级 B→A",
    }


async def test_the_pool_serves_the_higher_grade_first(
    graded_bot: LeadsBot, player: WeChatPlayer
) -> None:
    low = await graded_bot.new_lead(player, "o_low", "电话13800138001")  # C: nurtured
    assert low.owner is None
    reply = await graded_bot.staff_says("zhangsan", "公海")
    assert f"#{low.id}" in reply and "C 级" in reply


def test_a_missing_journeys_file_is_a_config_error(tmp_path: Path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('[journeys]\nfile = "missing.toml"\n', encoding="utf-8")
    with pytest.raises(SettingsError, match=r"journeys\.file"):
        load_settings(config, {})


CAPPED_TOML = (
    LEADS_TOML.split("[[leads.sales]]")[0]
    + """
[[leads.sales]]
userid = "zhangsan"
name = "张三"
max_open = 1
"""
)


@pytest.fixture
async def capped_bot(
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    clock: ShiftedClock,
    fake_state: FakeWeChat,
    wecom: WeComPlayer,
) -> LeadsBot:
    settings = write_config(extra=CAPPED_TOML + GRADES_TOML)
    client = await aiohttp_client(create_app(settings, clock=clock))
    return LeadsBot(client, fake_state, wecom, clock)


async def b_lead(bot: LeadsBot, player: WeChatPlayer, openid: str) -> int:
    for _ in range(3):
        await bot.follower_says(player, openid, "价格多少")
    return (await bot.new_lead(player, openid, "价格多少")).id  # 120: B


async def test_when_capacity_is_short_the_higher_grade_is_served_first(
    capped_bot: LeadsBot, player: WeChatPlayer
) -> None:
    bot = capped_bot
    first = await b_lead(bot, player, "o_cap1")
    assert (await bot.lead(first)).owner == "zhangsan"  # now full
    older_b = await b_lead(bot, player, "o_cap2")
    for _ in range(3):
        await bot.follower_says(player, "o_cap3", "想试驾")  # 180 and 试驾意向: A
    await bot.wait_idle()
    newer_a = max(lead.id for lead in await bot.leads())
    assert {(await bot.lead(i)).owner for i in (older_b, newer_a)} == {None}
    pool = await bot.staff_says("zhangsan", "公海")
    assert pool.index(f"#{newer_a}") < pool.index(f"#{older_b}")  # grade first, then age
    assert "→ 流失" in await bot.staff_says("zhangsan", f"状态 {first} lost")
    await bot.sweep()
    assert (await bot.lead(newer_a)).owner == "zhangsan"
    assert (await bot.lead(older_b)).owner is None
