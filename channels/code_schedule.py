"""When a channel's codes need the `channel.codes` job although nobody added anyone.

Two clocks drive it. A contact way's staff change when a shift starts or ends, when
midnight resets the daily caps, and its auto-accept when its window opens or closes.
A temporary QR code is replaced `RENEW_BEFORE` its end. Pure: the keeper
(`bot.runtime.channel_keeper`) asks what is due now and when to ask again. Each due
item names its moment, so every process that sees it queues the same job key and the
job runs once per change, however many processes keep time.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from channels.model import Channel, ChannelTable, ContactWay, QrKind
from channels.rota import last_change, next_change
from keywords.hours import shanghai

# A temporary code cannot be renewed in place (a new ticket is a new image): it is
# replaced this long before it dies, so a printed poster has days to be reprinted.
RENEW_BEFORE = timedelta(days=3)


@dataclass(frozen=True)
class DueCodes:
    """A channel whose codes are due for the job, and the moment that made them due."""

    key: str
    why: str  # "rota": its staff or auto-accept changed; "renew": its QR code nears its end
    at: datetime

    @property
    def dedup_key(self) -> str:
        return f"channel.{self.why}:{self.key}:{int(self.at.timestamp())}"


def skip_verify_now(way: ContactWay, now: datetime) -> bool:
    """Auto-accept, within its window when one is set."""
    if not way.skip_verify:
        return False
    window = way.skip_verify_hours
    return window is None or window.contains(now.astimezone(shanghai()).time())


def window_edges(way: ContactWay) -> tuple[time, ...]:
    """The daily times at which the way's auto-accept turns on or off."""
    window = way.skip_verify_hours
    return (window.start, window.end) if way.skip_verify and window is not None else ()


def due_codes(
    table: ChannelTable, qr_expiries: Mapping[str, datetime | None], now: datetime
) -> list[DueCodes]:
    """Every enabled channel's latest change up to `now`, and its renewal once due.

    `qr_expiries` maps keys to their current code's end (None: permanent or not made).
    A way's latest change is listed even when it is old: the job it keys is queued at
    most once, and after a time with no bot running it brings the staff up to date.
    """
    found = []
    for channel in table.channels:
        if not channel.enabled:
            continue
        if channel.wecom is not None:
            changed = last_change(channel.wecom.rota, now, window_edges(channel.wecom))
            if changed is not None:
                found.append(DueCodes(channel.key, "rota", changed))
        expires = _temporary_end(channel, qr_expiries)
        if expires is not None and expires - RENEW_BEFORE <= now:
            found.append(DueCodes(channel.key, "renew", expires))
    return found


def next_due(
    table: ChannelTable, qr_expiries: Mapping[str, datetime | None], now: datetime
) -> datetime | None:
    """The soonest moment after `now` at which `due_codes` lists something new."""
    return min(_upcoming(table, qr_expiries, now), default=None)


def _upcoming(
    table: ChannelTable, qr_expiries: Mapping[str, datetime | None], now: datetime
) -> Iterator[datetime]:
    for channel in table.channels:
        if not channel.enabled:
            continue
        if channel.wecom is not None:
            change = next_change(channel.wecom.rota, now, window_edges(channel.wecom))
            if change is not None:
                yield change
        expires = _temporary_end(channel, qr_expiries)
        if expires is not None and expires - RENEW_BEFORE > now:
            yield expires - RENEW_BEFORE


def _temporary_end(channel: Channel, qr_expiries: Mapping[str, datetime | None]) -> datetime | None:
    """When the channel's temporary QR code ends (None: permanent, none, or not made)."""
    temporary = channel.qr is not None and channel.qr.kind is QrKind.TEMPORARY
    return qr_expiries.get(channel.key) if temporary else None
