"""A channel table as the bot uses it: plain frozen data, read from `channels.toml`."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import time
from enum import StrEnum


class QrKind(StrEnum):
    TEMPORARY = "temporary"  # QR_STR_SCENE: expires, renewed by wxbot before it does
    PERMANENT = "permanent"  # QR_LIMIT_STR_SCENE: counts against the account's 100 000


@dataclass(frozen=True)
class QrCode:
    """An official-account parametric QR code whose scene is the channel's key."""

    account: str
    kind: QrKind = QrKind.PERMANENT
    expire_days: int = 30


@dataclass(frozen=True)
class Shift:
    """Staff on duty on some weekdays (0 = Monday) between two times, same day."""

    days: frozenset[int]
    start: time
    end: time
    staff: tuple[str, ...]


@dataclass(frozen=True)
class Rota:
    """Who a WeCom contact-me code hands customers to, and when.

    `cap` is each person's daily adds through this code (0: no cap); `backups` take
    over when everyone on shift is off or capped, and outside every shift.
    """

    shifts: tuple[Shift, ...] = ()
    cap: int = 0
    backups: tuple[str, ...] = ()

    def everyone(self) -> tuple[str, ...]:
        """Every person the rota names, once, in order."""
        names = [person for shift in self.shifts for person in shift.staff]
        return tuple(dict.fromkeys([*names, *self.backups]))


@dataclass(frozen=True)
class Window:
    """A local (Asia/Shanghai) time window; start inclusive, end exclusive, same day."""

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        return self.start <= moment < self.end


@dataclass(frozen=True)
class ContactWay:
    """A WeCom multi-person contact-me code (`add_contact_way`, type 2, scene 2)."""

    app: str
    rota: Rota
    skip_verify: bool = True
    # Auto-accept only within this window (None: always, when skip_verify).
    skip_verify_hours: Window | None = None


@dataclass(frozen=True)
class Attachment:
    """One welcome attachment, as `send_welcome_msg` takes it (`msgtype` + its fields)."""

    msgtype: str  # image, link, miniprogram
    fields: tuple[tuple[str, str], ...]

    def payload(self) -> dict[str, object]:
        return {"msgtype": self.msgtype, self.msgtype: dict(self.fields)}


@dataclass(frozen=True)
class WelcomeVariant:
    """A welcome for some weekdays and hours (the first variant that fits wins)."""

    days: frozenset[int]
    hours: Window | None
    text: str
    attachments: tuple[Attachment, ...] = ()


@dataclass(frozen=True)
class Welcome:
    """The text (`{name}` is the customer's name) and up to 9 attachments."""

    text: str
    attachments: tuple[Attachment, ...] = ()
    variants: tuple[WelcomeVariant, ...] = ()


@dataclass(frozen=True)
class Channel:
    key: str
    name: str
    group: str = ""
    tags: tuple[str, ...] = ()
    points: int = 0
    cost: float | None = None  # yuan, for cost per lead and per won
    enabled: bool = True
    qr: QrCode | None = None
    wecom: ContactWay | None = None
    welcome: Welcome | None = None


@dataclass(frozen=True)
class ChannelTable:
    """Every channel, and the welcome of WeCom codes whose channel has none."""

    channels: tuple[Channel, ...] = ()
    default_welcome: Welcome | None = None
    _by_key: dict[str, Channel] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self._by_key.update({channel.key: channel for channel in self.channels})

    def get(self, key: str | None) -> Channel | None:
        """The channel a scene or state belongs to (None: no channel claims it)."""
        return None if key is None else self._by_key.get(key)

    def by_name(self, name: str) -> Channel | None:
        return next((c for c in self.channels if c.name == name), None)

    def welcome_for(self, channel: Channel | None) -> Welcome | None:
        """The channel's own welcome, else the default one."""
        return (channel.welcome if channel else None) or self.default_welcome
