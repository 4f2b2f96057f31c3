"""Grades and journey conditions use a channel by its name or key, and its group; a name
the channel table lacks is a warning of the checks, never an error."""

from __future__ import annotations

import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from journeys.expressions import Context, parse_expression
from leads.grades import GradeCondition
from storage.profile_facts import ProfileFacts
from tests.bot.helpers import exchange
from tests.channels.conftest import CHANNELS_TOML, DEMO_CHANNELS
from tests.conftest import ConfigWriter
from tests.leads.conftest import LEADS_TOML
from tests.leads.helpers import LeadsBot

# Expo visitors with a phone are leads of their own grade; anyone else with a phone is "C".
GRADES = """
[[leads.grades]]
name = "展会"
channel_groups = ["线下活动"]
phone = true

[[leads.grades]]
name = "C"
phone = true
"""
JOURNEYS = """
[[journey]]
name = "expo_followup"
trigger = "segment"
when = "channel:春季车展 | channel_group:线下活动 | channel:春节庙会 | channel_group:快闪店"
  [[journey.step]]
  action = "text"
  text = "感谢莅临车展"
"""
EXPO = ProfileFacts(
    1, first_channel="spring_expo", channel_names=frozenset({"春季车展"}),
    channel_groups=frozenset({"线下活动"}),
)  # fmt: skip
UNCLAIMED = ProfileFacts(1, last_channel="poster_2019")


@pytest.mark.parametrize(
    ("condition", "facts", "holds"),
    [
        (GradeCondition(channels=("春季车展",)), EXPO, True),
        (GradeCondition(channels=("spring_expo",)), EXPO, True),
        (GradeCondition(channels=("徐汇门店",)), EXPO, False),
        (GradeCondition(channel_groups=("线下活动",)), EXPO, True),
        (GradeCondition(channel_groups=("门店",)), EXPO, False),
        (GradeCondition(channels=("poster_2019",)), UNCLAIMED, True),
        (GradeCondition(channel_groups=("线下活动",)), UNCLAIMED, False),
    ],
)
def test_a_grade_names_a_channel_by_name_or_key_or_its_group(
    condition: GradeCondition, facts: ProfileFacts, holds: bool
) -> None:
    assert condition.holds(facts, datetime.now(UTC)) is holds


@pytest.mark.parametrize(
    ("text", "facts", "holds"),
    [
        ("channel:春季车展", EXPO, True),
        ("channel:spring_expo & channel_group:线下活动", EXPO, True),
        ("!channel_group:门店", EXPO, True),
        ("channel_group:线下活动", UNCLAIMED, False),
        ("channel:poster_2019", UNCLAIMED, True),
    ],
)
def test_a_journey_condition_names_a_channel_or_its_group(
    text: str, facts: ProfileFacts, holds: bool
) -> None:
    assert parse_expression(text).holds(Context(facts)) is holds


@pytest.fixture
def leads_settings(write_config: ConfigWriter, tmp_path: Path) -> Settings:
    shutil.copyfile(DEMO_CHANNELS, tmp_path / "channels.toml")
    (tmp_path / "journeys.toml").write_text(JOURNEYS, encoding="utf-8")
    journeys = '\n[journeys]\nfile = "journeys.toml"\n'
    return write_config(extra=LEADS_TOML + GRADES + CHANNELS_TOML + journeys)


async def test_a_follower_through_an_expo_code_is_graded_by_the_channels_group(
    leads_bot: LeadsBot, player: WeChatPlayer
) -> None:
    for openid, scene, phone in (
        ("o_expo", "qrscene_spring_expo", "13800138000"),
        ("o_store", "qrscene_store_xuhui", "13900139000"),
    ):
        await exchange(leads_bot.client, player, player.event(openid, "subscribe", scene))
        await leads_bot.wait_idle()
        await leads_bot.follower_says(player, openid, f"我的电话{phone}")
    await leads_bot.wait_idle()
    grades = {lead.channel: lead.grade for lead in await leads_bot.leads()}
    assert grades == {"spring_expo": "展会", "store_xuhui": "C"}


def test_checks_warn_about_channels_and_groups_the_table_lacks(
    leads_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = ["--config", str(tmp_path / "config.toml")]
    assert main([*config, "channels", "check", str(tmp_path / "channels.toml")]) == 0
    out = capsys.readouterr().out
    assert "journeys.toml:2: journey expo_followup.when: warning: no channel '春节庙会'" in out
    assert "no channel group '快闪店' in the channel table (groups: 广告, 线下活动, 门店)" in out
    assert "'春季车展'" not in out and "'线下活动'" not in out.split("(groups")[0]
    assert out.rstrip().endswith("3 channels, 0 errors, 2 warnings")
    # A table without the expo: the grade's group is gone too.
    fewer = tmp_path / "fewer.toml"
    text = DEMO_CHANNELS.read_text(encoding="utf-8").replace('group = "线下活动"', 'group = "展会"')
    fewer.write_text(text, encoding="utf-8")
    assert main([*config, "channels", "check", str(fewer)]) == 0
    out = capsys.readouterr().out
    assert (
        "config.toml: [[leads.grades]] 展会.channel_groups: warning: no channel group '线下活动'"
        in out
    )
    assert main([*config, "journeys", "check", str(tmp_path / "journeys.toml")]) == 0
    out = capsys.readouterr().out
    assert "no channel '春节庙会'" in out
    summary = "journeys.toml: 1 journeys, 1 steps, 0 templates, 0 errors, 2 warnings"
    assert out.rstrip().endswith(summary)


def test_a_broken_channel_table_leaves_the_names_unchecked_and_says_why(
    leads_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The journeys file is fine; the channel table is what has errors, and it is named
    as a channel table with its own check command, not as a keyword table."""
    channels = tmp_path / "channels.toml"
    broken = channels.read_text(encoding="utf-8").replace('key = "store_xuhui"', 'key = ""')
    channels.write_text(broken, encoding="utf-8")
    config = ["--config", str(tmp_path / "config.toml")]
    assert main([*config, "journeys", "check", str(tmp_path / "journeys.toml")]) == 0
    out = capsys.readouterr().out
    assert f"warning: channel names not checked: {channels} has errors" in out
    assert main([*config, "channels", "list"]) == 2  # it cannot run: one line
    err = capsys.readouterr().err
    assert err.startswith("channel table channels.toml:") and "`wxbot channels check" in err


def test_a_table_with_errors_gets_no_warnings_about_what_names_it(
    leads_settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A channel with an error is left out of the table; the grade naming its group is
    not warned about on top: one mistake, one problem."""
    channels = tmp_path / "channels.toml"
    text = channels.read_text(encoding="utf-8").replace("cap = 30", 'cap = "abc"', 1)
    channels.write_text(text, encoding="utf-8")
    config = ["--config", str(tmp_path / "config.toml")]
    assert main([*config, "channels", "check", str(channels)]) == 1
    out = capsys.readouterr().out
    assert 'cap: must be a whole number of adds a day, got "abc"' in out
    assert "warning:" not in out and out.rstrip().endswith("1 errors, 0 warnings")
