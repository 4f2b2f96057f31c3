"""Typed inbound messages and reply values: the language between the edge and handlers."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

from keywords.rules import Article
from storage.records import InboundRecord, fit_dedup_key


@dataclass(frozen=True)
class Inbound:
    """One message or event from a follower, as the edge accepted it.

    `event` is lower case (`subscribe`, `scan`, `click`, …) and None for plain
    messages; a follow from a parametric QR code has `event="subscribe"` and the
    scene (without WeChat's `qrscene_` prefix) in `event_key`.
    """

    account: str
    openid: str
    to_user: str
    msg_type: str
    create_time: int
    event: str | None = None
    event_key: str | None = None
    content: str | None = None
    msg_id: int | None = None
    fields: Mapping[str, str] = field(default_factory=dict)

    @property
    def is_event(self) -> bool:
        return self.msg_type == "event"

    @property
    def dedup_key(self) -> str:
        """Messages by sender + MsgId; events by sender + time + event + key.

        MsgIds have collided across users, hence the sender; two users, or two
        different events, in the same second stay distinct.
        """
        if self.msg_id:
            return f"{self.account}:m:{self.openid}:{self.msg_id}"
        return fit_dedup_key(
            f"{self.account}:e:{self.openid}:{self.create_time}:{self.event}:{self.event_key or ''}"
        )

    def record(self) -> InboundRecord:
        """The row that stores this message in the event log."""
        return InboundRecord(
            dedup_key=self.dedup_key,
            account=self.account,
            openid=self.openid,
            msg_type=self.msg_type,
            event=self.event,
            event_key=self.event_key,
            content=self.content,
            msg_id=self.msg_id,
            sent_at=datetime.fromtimestamp(self.create_time, UTC),
        )


@dataclass(frozen=True)
class TextReply:
    text: str


@dataclass(frozen=True)
class ImageReply:
    media_id: str


@dataclass(frozen=True)
class NewsReply:
    articles: tuple[Article, ...]


Reply = TextReply | ImageReply | NewsReply
# What a handler returns: a reply, plain text, or None for "no reply" (WeChat's `success`).
ReplyValue = str | Reply | None
