"""`channels.toml`: the demo reads cleanly, and every problem is listed at once with its line."""

from __future__ import annotations

from pathlib import Path

from channels.model import QrKind
from channels.table_file import ChannelContext, parse_channels, read_channels

CONTEXT = ChannelContext(("main",), ("sales",), frozenset({"zhangsan", "lisi"}))
DEMO = Path(__file__).resolve().parents[2] / "channels.toml"


def test_the_demo_table_reads_cleanly() -> None:
    parsed = read_channels(DEMO, CONTEXT)
    assert parsed.problems == ()
    expo = parsed.table.get("spring_expo")
    assert expo is not None
    assert (expo.name, expo.group, expo.cost) == ("春季车展", "线下活动", 30000.0)
    assert expo.qr is not None
    assert expo.qr.kind is QrKind.TEMPORARY
    assert expo.wecom is not None
    assert expo.wecom.rota.everyone() == ("zhangsan", "lisi")
    assert parsed.table.get("nobody_claims_this") is None


BROKEN = """\
[[channel]]
key = "this_key_is_far_too_long_for_a_contact_way_state"
name = "太长"
  [channel.wecom]
  app = "nope"
    [[channel.wecom.shift]]
    days = ["mon", "funday"]
    hours = "18:00-09:00"
    staff = ["zhangsan", "wangwu"]

[[channel]]
key = "poster"
name = ""
color = "red"
  [channel.qr]
  kind = "forever"
  expire_days = 90

[[channel]]
key = "poster"
name = "海报二"
  [channel.welcome]
  text = "你好"
  attachments = [{ video = { media_id = "x" } }, { link = { title = "t" } }]
"""


def test_every_problem_is_listed_at_once_with_its_line() -> None:
    parsed = parse_channels(BROKEN, "channels.toml", CONTEXT)
    found = {str(problem) for problem in parsed.problems}
    expected = {
        "channels.toml:4: channel this_key_is_far_too_long_for_a_contact_way_state.wecom:"
        " key 'this_key_is_far_too_long_for_a_contact_way_state' is 48 characters;"
        " a contact way's state is at most 30",
        "channels.toml:5: channel this_key_is_far_too_long_for_a_contact_way_state.wecom.app:"
        " names no [[wecom]] app: 'nope'",
        "channels.toml:7: channel this_key_is_far_too_long_for_a_contact_way_state.wecom"
        ".shift #1.days: unknown day 'funday' (mon, tue, wed, thu, fri, sat, sun)",
        "channels.toml:8: channel this_key_is_far_too_long_for_a_contact_way_state.wecom"
        ".shift #1.hours: '18:00-09:00' must end after it starts, the same day"
        " (split a night shift)",
        "channels.toml:4: channel this_key_is_far_too_long_for_a_contact_way_state.wecom.shift:"
        " warning: not on the sales team ([[leads.sales]]): wangwu; left off the code while"
        " they are not",
        "channels.toml:13: channel poster.name: is required (the name people read on cards"
        " and under the code)",
        "channels.toml:14: channel poster.color: unknown key",
        "channels.toml:16: channel poster.qr.kind: unknown value 'forever'"
        " (temporary or permanent)",
        "channels.toml:17: channel poster.qr.expire_days: must be 1-30 (WeChat's 2592000 s)",
        "channels.toml:24: channel poster.welcome.attachments: #1 must be {image = {...}},"
        " {link = {...}} or {miniprogram = {...}}",
        "channels.toml:24: channel poster.welcome.attachments: #2 (link): needs url",
    }
    assert expected <= found, sorted(found - expected)
    # The third channel reused a key; it is named with the line of the first.
    assert any(p.line == 19 and "duplicate key 'poster'" in p.message for p in parsed.problems)
    assert [p.column.rsplit(".", 1)[-1] for p in parsed.problems if p not in parsed.errors] == [
        "shift", "expire_days"
    ]  # fmt: skip


def test_a_syntax_error_names_its_line() -> None:
    parsed = parse_channels('[[channel]]\nkey = "a"\nname = \n', "c.toml", CONTEXT)
    assert [(p.line, p.column) for p in parsed.problems] == [(3, "file")]


def test_a_value_of_the_wrong_kind_is_quoted_as_written() -> None:
    """What ops typed, in TOML's spelling, not a Python type name ("got str")."""
    text = (
        '[[channel]]\nkey = "a"\nname = "甲"\ngroup = true\nwelcome = 3\n'
        '  [channel.wecom]\n  app = "sales"\n  cap = "abc"\n  backups = ["lisi"]\n'
    )
    found = sorted(str(p) for p in parse_channels(text, "c.toml", CONTEXT).problems)
    assert found == [
        "c.toml:4: channel a.group: must be a string, got true",
        "c.toml:5: channel a.welcome: must be a table, got 3",
        'c.toml:8: channel a.wecom.cap: must be a whole number of adds a day, got "abc"',
    ]
