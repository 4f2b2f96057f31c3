"""Typed views of the API answers callers use most."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class FollowerInfo:
    """`user/info` of one openid (no nickname or avatar: WeChat dropped them)."""

    openid: str
    subscribed: bool
    unionid: str | None
    tag_ids: tuple[int, ...]
    subscribe_time: int | None
    subscribe_scene: str | None
    qr_scene_str: str | None

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> FollowerInfo:
        """Build from the decoded answer; an unfollowed user carries only a few fields."""
        return cls(
            openid=str(data["openid"]),
            subscribed=data.get("subscribe") == 1,
            unionid=data.get("unionid"),
            tag_ids=tuple(int(t) for t in data.get("tagid_list", ())),
            subscribe_time=data.get("subscribe_time"),
            subscribe_scene=data.get("subscribe_scene"),
            qr_scene_str=data.get("qr_scene_str") or None,
        )


@dataclass(frozen=True)
class Tag:
    """An official-account tag with its member count."""

    tag_id: int
    name: str
    count: int


@dataclass(frozen=True)
class QrTicket:
    """A parametric QR code from `qrcode/create`; `expire_seconds` None when permanent."""

    ticket: str
    url: str
    expire_seconds: int | None


@dataclass(frozen=True)
class ContactWayMade:
    """A contact way from `add_contact_way`: keep `config_id`, the console never shows it."""

    config_id: str
    qr_code: str
