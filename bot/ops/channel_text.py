"""What `wxbot channels` prints: rendered for a person, never a raw object."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from channels.model import Channel, ChannelTable
from filecheck.problems import problem_lines
from keywords.hours import shanghai
from keywords.problems import Problem
from storage.channels.models import ChannelRow
from storage.tables.versions import Version

DAYS = "一二三四五六日"


def _when(at: datetime | None) -> str:
    return "-" if at is None else at.astimezone(shanghai()).strftime("%Y-%m-%d %H:%M")


def history_text(versions: Sequence[Version]) -> list[str]:
    if not versions:
        return ["nothing published yet: the bot uses [channels] file"]
    return [
        f"{v.number:>5}{' LIVE' if v.active else '':5} {_when(v.created_at)} {v.created_by:<12}"
        f" {v.item_count:>5} channels  {v.summary}{f' [{v.note}]' if v.note else ''}"
        for v in versions
    ]


def code_text(channel: Channel, row: ChannelRow | None, now: datetime) -> list[str]:
    """The channel's codes as they stand, with a warning for a temporary code."""
    lines = []
    if channel.qr is not None:
        if row is None or not row.qr_ticket:
            lines.append(f"  QR ({channel.qr.kind.value}, {channel.qr.account}): not made yet")
        else:
            expiry = "never expires" if row.qr_expires_at is None else (
                f"expires {_when(row.qr_expires_at)}"
            )  # fmt: skip
            lines.append(f"  QR ({channel.qr.kind.value}, {channel.qr.account}): {expiry}")
            if row.qr_expires_at is not None:
                left = (row.qr_expires_at - now).days
                lines.append(f"    ! a temporary code cannot be renewed in place: wxbot makes a"
                             f" new one 3 days before it dies ({left} days left); reprint then"
                             f" with `wxbot channels qr {channel.key}`")  # fmt: skip
    if channel.wecom is not None:
        way = channel.wecom
        on_duty = (row.way_users or "-").replace("|", ", ") if row else "-"
        state = "not made yet" if row is None or not row.way_config_id else (
            f"config_id {row.way_config_id}, on duty now: {on_duty}"
        )  # fmt: skip
        lines.append(f"  contact-me code ({way.app}): {state}")
        for shift in way.rota.shifts:
            staff = ", ".join(shift.staff)
            lines.append(f"    {_days(shift.days)} {shift.start:%H:%M}-{shift.end:%H:%M}: {staff}")
        cap = f"{way.rota.cap} adds a day each" if way.rota.cap else "no daily cap"
        lines.append(f"    {cap}; backups: {', '.join(way.rota.backups) or '-'}")
    return lines


def list_text(table: ChannelTable, rows: dict[str, ChannelRow], now: datetime) -> list[str]:
    if not table.channels:
        return ["no channels"]
    lines = []
    for channel in table.channels:
        codes = "+".join(
            filter(None, ["QR" if channel.qr else "", "WeCom" if channel.wecom else ""])
        )
        off = "" if channel.enabled else "  (disabled)"
        lines.append(
            f"{channel.key:<20} {channel.name}  [{channel.group or '-'}]  {codes or 'no code'}{off}"
        )
        row = rows.get(channel.key)
        if channel.qr and row is not None and row.qr_expires_at is not None:
            lines.append(f"  ! temporary QR code expires {_when(row.qr_expires_at)}")
    return lines


def show_text(channel: Channel, row: ChannelRow | None, now: datetime) -> list[str]:
    lines = [f"{channel.name} ({channel.key})", f"  group: {channel.group or '-'}"]
    lines.append(f"  gives: tags {', '.join(channel.tags) or '-'}; points {channel.points}")
    if channel.cost is not None:
        lines.append(f"  cost: {channel.cost:g} yuan")
    lines.extend(code_text(channel, row, now))
    if channel.welcome is not None:
        lines.append(f"  welcome: {channel.welcome.text}")
        if channel.welcome.attachments:
            lines.append(f"    + {len(channel.welcome.attachments)} attachments")
        for variant in channel.welcome.variants:
            days = "".join(DAYS[d] for d in sorted(variant.days))
            hours = (
                f" {variant.hours.start:%H:%M}-{variant.hours.end:%H:%M}" if variant.hours else ""
            )
            lines.append(f"    周{days}{hours}: {variant.text}")
    return lines


def check_text(source: str, channels: int, problems: Sequence[Problem]) -> list[str]:
    errors = sum(1 for p in problems if p.severity.value == "error")
    warnings = len(problems) - errors
    summary = f"{source}: {channels} channels, {errors} errors, {warnings} warnings"
    return [*problem_lines(problems), summary]


def _days(days: frozenset[int]) -> str:
    return "每天" if len(days) == len(DAYS) else "周" + "".join(DAYS[d] for d in sorted(days))
