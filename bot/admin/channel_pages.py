"""What the channel pages show, worked out from the directory, the live table and the
aggregates: codes and their expiry, the period's figures with ratios and costs, the
rota now, the welcome as the customer reads it. Pure: the views do the reading."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from bot.admin.vocabulary import CHANNEL_COUNT
from bot.ops.channel_figures import ChannelFigures
from channels.code_schedule import RENEW_BEFORE
from channels.model import Channel, ChannelTable, Welcome
from channels.rota import next_change, on_duty
from channels.welcome import welcome_body
from storage.channels.models import COUNTS, ChannelRow
from storage.local_days import local_day
from storage.reads.channels import Counts

# A temporary code this close to its end gets a warning: it cannot be renewed in place
# (WeChat has no call that extends a ticket), wxbot makes a new one `RENEW_BEFORE` its
# end, and whatever was printed with the old one must be reprinted.
EXPIRY_WARNING = RENEW_BEFORE + timedelta(days=4)
CHART_SERIES = ("scans", "follows", "adds", "leads", "won")


def figures_of(key: str, row: ChannelRow | None, counts: Counts | None) -> ChannelFigures:
    """The period's figures of a channel, zero where nothing came."""
    name, group = (row.name, row.group_name) if row is not None else (key, "")
    cost = row.cost if row is not None else None
    return ChannelFigures(key, name, group, "", dict(counts or dict.fromkeys(COUNTS, 0)), cost)


def arrivals(figures: ChannelFigures) -> int:
    """New people through the channel: new follows and WeCom adds (re-follows aside)."""
    return figures.counts["follows"] + figures.counts["adds"]


def lead_rate(figures: ChannelFigures) -> float | None:
    came = arrivals(figures)
    return figures.counts["leads"] / came if came else None


@dataclass(frozen=True)
class QrState:
    """A channel's official-account code as the page tells it."""

    made: bool
    temporary: bool
    expires_at: datetime | None
    days_left: int | None
    warn: bool  # near its end: a reprint is coming


def qr_state(row: ChannelRow | None, now: datetime) -> QrState | None:
    if row is None or row.qr_kind is None:
        return None
    expires = row.qr_expires_at
    left = (expires - now) if expires is not None else None
    return QrState(
        made=bool(row.qr_ticket),
        temporary=row.qr_kind == "temporary",
        expires_at=expires,
        days_left=max(0, left.days) if left is not None else None,
        warn=left is not None and left <= EXPIRY_WARNING,
    )


@dataclass(frozen=True)
class RotaNow:
    """Who the contact-me code names now, and when that may next change."""

    on_duty: tuple[str, ...]
    at_wecom: tuple[str, ...]  # the way's user list as last set at WeCom
    next_change: datetime | None


def rota_now(channel: Channel, row: ChannelRow | None, adds: dict[str, int], now: datetime
             ) -> RotaNow | None:  # fmt: skip
    if channel.wecom is None:
        return None
    rota = channel.wecom.rota
    window = channel.wecom.skip_verify_hours
    daily = (window.start, window.end) if window is not None else ()
    at_wecom = tuple(filter(None, (row.way_users or "").split("|"))) if row is not None else ()
    return RotaNow(on_duty(rota, now, adds), at_wecom, next_change(rota, now, daily))


@dataclass(frozen=True)
class Attachment:
    kind: str
    title: str
    detail: str


@dataclass(frozen=True)
class WelcomePreview:
    """The welcome as `send_welcome_msg` would send it now, to a customer called `name`."""

    text: str
    attachments: list[Attachment]
    own: bool  # the channel's own welcome (else the default one)


def welcome_preview(table: ChannelTable, channel: Channel | None, now: datetime, name: str
                    ) -> WelcomePreview | None:  # fmt: skip
    welcome: Welcome | None = table.welcome_for(channel)
    if welcome is None:
        return None
    body = welcome_body(welcome, now, name)
    text = body["text"]
    content = str(text.get("content", "")) if isinstance(text, dict) else ""
    shown = []
    listed = body.get("attachments")
    for item in listed if isinstance(listed, list) else []:
        kind = str(item.get("msgtype", ""))
        fields = item.get(kind, {}) if isinstance(item.get(kind), dict) else {}
        title = str(fields.get("title") or fields.get("pic_url") or fields.get("media_id") or "")
        detail = str(fields.get("desc") or fields.get("url") or fields.get("page") or "")
        shown.append(Attachment(kind, title, detail))
    own = channel is not None and channel.welcome is not None
    return WelcomePreview(content, shown, own)


def summed(days: list[tuple[str, dict[str, int]]]) -> dict[str, int] | None:
    """A period's counts from its days (None: nothing came)."""
    if not days:
        return None
    total: dict[str, int] = {}
    for _, counts in days:
        for name, n in counts.items():
            total[name] = total.get(name, 0) + n
    return total


def day_chart(days: list[tuple[str, dict[str, int]]], first: str, now: datetime,
              gettext: Callable[[str], str]) -> dict[str, object]:  # fmt: skip
    """Every day of the period (a quiet day as zeros), the series named for the reader."""
    by_day = dict(days)
    start, end = date.fromisoformat(first), date.fromisoformat(local_day(now))
    labels = [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]
    return {
        "days": [label[5:] for label in labels],
        "series": [
            {"name": gettext(CHANNEL_COUNT[name]),
             "data": [by_day.get(label, {}).get(name, 0) for label in labels]}
            for name in CHART_SERIES
        ],
    }  # fmt: skip
