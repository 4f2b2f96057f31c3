"""The channel form written into the table's TOML and read back by the CLI's parser:
whatever ops type survives (quotes, newlines, braces), the rest of the file is kept,
and a problem's field finds its input."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.admin.channel_form import ChannelForm, ShiftRow, field_of, with_channel, with_enabled
from channels.table_file import ChannelContext, parse_channels
from keywords.problems import Problem
from tests.channels.conftest import DEMO_CHANNELS

DEMO = DEMO_CHANNELS.read_text(encoding="utf-8")
CONTEXT = ChannelContext(("main",), ("sales",), frozenset({"zhangsan", "lisi"}))
# What ops might type: any printable text, surrounding spaces trimmed as the form does.
typed = st.text(
    st.characters(blacklist_categories=("Cs", "Cc"), blacklist_characters="\x7f"), max_size=40
).map(str.strip)


def _read(text: str) -> dict[str, object]:
    parsed = parse_channels(text, "channels.toml", CONTEXT)
    assert not parsed.errors, [str(p) for p in parsed.errors]
    channel = parsed.table.get("poster")
    assert channel is not None
    return {"name": channel.name, "group": channel.group, "tags": channel.tags,
            "welcome": channel.welcome.text if channel.welcome else ""}  # fmt: skip


@settings(max_examples=60, deadline=None)
@given(name=typed.filter(bool), group=typed, welcome=typed)
def test_what_ops_type_reads_back_as_typed(name: str, group: str, welcome: str) -> None:
    form = ChannelForm(key="poster", name=name[:32], group=group, tags="渠道:海报 活动",
                       qr_kind="permanent", qr_account="main", welcome_text=welcome)  # fmt: skip
    text = with_channel(DEMO, form, original_key=None)
    assert _read(text) == {"name": name[:32], "group": group, "tags": ("渠道:海报", "活动"),
                           "welcome": welcome}  # fmt: skip
    assert text.startswith(DEMO.rstrip("\n"))  # the file as written, the channel after it


def test_an_edit_changes_one_channel_and_keeps_what_the_form_does_not_show() -> None:
    live = parse_channels(DEMO, "x", CONTEXT).table.get("spring_expo")
    assert live is not None
    form = ChannelForm.of(live)
    form.shifts = [ShiftRow(["sat"], "10:00-12:00", "lisi")]
    form.cap = "5"
    text = with_channel(DEMO, form, original_key="spring_expo")
    table = parse_channels(text, "x", CONTEXT).table
    edited = table.get("spring_expo")
    assert edited is not None and edited.wecom is not None and edited.welcome is not None
    assert edited.wecom.rota.cap == 5
    assert [(s.days, s.staff) for s in edited.wecom.rota.shifts] == [(frozenset({5}), ("lisi",))]
    # The welcome's attachment and weekend variant are not on the form: kept as written.
    assert live.welcome is not None
    assert edited.welcome.attachments == live.welcome.attachments
    assert edited.welcome.variants == live.welcome.variants
    assert table.get("store_xuhui") == parse_channels(DEMO, "x", CONTEXT).table.get("store_xuhui")
    assert "# wxbot demo channels" in text


def test_disabling_keeps_the_rest() -> None:
    text = with_enabled(DEMO, "feed_ads", enabled=False)
    table = parse_channels(text, "x", CONTEXT).table
    off = table.get("feed_ads")
    assert off is not None and not off.enabled
    again = parse_channels(with_enabled(text, "feed_ads", enabled=True), "x", CONTEXT).table
    assert again == parse_channels(DEMO, "x", CONTEXT).table


@pytest.mark.parametrize(
    ("column", "field"),
    [
        ("channel poster.name", "name"),
        ("channel poster.wecom.cap", "cap"),
        ("channel poster.qr.expire_days", "qr_expire_days"),
        ("channel poster.wecom.shift #2.hours", "shift-1-hours"),
        ("channel poster.wecom.shift #1.days", "shift-0-days"),
        ("channel poster.wecom.shift", "shifts"),
        ("channel poster.welcome.text", "welcome_text"),
        ("channel poster", "key"),
        ("channel poster.welcome.variant #1.text", None),  # not on the form: the list shows it
        ("channel other.name", None),
        ("channel posterx.name", None),
        ("file", None),
    ],
)
def test_a_problem_finds_its_input(column: str, field: str | None) -> None:
    assert field_of(Problem("channels.toml", 3, column, "x"), "poster") == field
