"""The values the request path hands storage: an accepted event and what its handler decided.

A `Decision` travels with its event row as JSON, so the effects stage applies
exactly what the handler chose, even if the keyword table changes meanwhile.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

DEDUP_KEY_MAX = 300  # the unique dedup_key columns
# The events a tap on a custom-menu button sends (lower case, as stored). Their EventKey
# is the button's key, except `view` (the URL) and `view_miniprogram` (the page path).
# Keyword rules (trigger `click`), tagging counters (`event = "click"`), journeys
# (`click:KEY`) and lead grades (`clicks`) take them all as menu clicks.
MENU_EVENTS = frozenset(
    {
        "click",
        "view",
        "view_miniprogram",
        "scancode_push",
        "scancode_waitmsg",
        "pic_sysphoto",
        "pic_photo_or_album",
        "pic_weixin",
        "location_select",
    }
)


def fit_dedup_key(key: str) -> str:
    """`key`, or when it is too long for the column, its head and a digest of all of it.

    Event keys are unbounded (a VIEW event's key is the menu's URL): a key past the
    column would fail the insert, and so the callback, on every retry WeChat makes.
    """
    if len(key) <= DEDUP_KEY_MAX:
        return key
    return f"{key[:200]}#{hashlib.sha256(key.encode()).hexdigest()}"


@dataclass(frozen=True)
class InboundRecord:
    dedup_key: str
    account: str
    openid: str
    msg_type: str
    event: str | None
    event_key: str | None
    content: str | None
    msg_id: int | None
    sent_at: datetime


@dataclass(frozen=True)
class TagGrant:
    tag: str
    source: str
    category: str = "behavior"


@dataclass(frozen=True)
class PointGrant:
    points: int
    reason: str


@dataclass(frozen=True)
class JobRequest:
    """An outbox row; `status="skipped"` records a call deliberately not made, with why."""

    kind: str
    target: str
    payload: dict[str, object]
    dedup_key: str | None = None
    status: str = "pending"
    note: str | None = None


@dataclass(frozen=True)
class Decision:
    """What handling a callback decided, beyond the reply itself."""

    rule: str | None = None
    variant: int | None = None
    tags: tuple[TagGrant, ...] = ()
    points: tuple[PointGrant, ...] = ()
    jobs: tuple[JobRequest, ...] = ()
    subscribed: bool | None = None
    channel: str | None = None
    # The reply XML sent (plaintext, "" for none): a retry of the callback gets it again.
    reply: str = field(default="", compare=False)

    def to_json(self) -> str | None:
        """The effects part as JSON (rule, variant and reply have columns of their own)."""
        body: dict[str, Any] = {}
        if self.tags:
            body["tags"] = [[g.tag, g.source, g.category] for g in self.tags]
        if self.points:
            body["points"] = [[g.points, g.reason] for g in self.points]
        if self.jobs:
            body["jobs"] = [
                [j.kind, j.target, j.payload, j.dedup_key, j.status, j.note] for j in self.jobs
            ]
        if self.subscribed is not None:
            body["subscribed"] = self.subscribed
        if self.channel is not None:
            body["channel"] = self.channel
        return json.dumps(body, ensure_ascii=False, separators=(",", ":")) if body else None

    @classmethod
    def from_row(cls, rule: str | None, variant: int | None, decision: str | None) -> Decision:
        body: dict[str, Any] = json.loads(decision) if decision else {}
        return cls(
            rule=rule,
            variant=variant,
            tags=tuple(TagGrant(*item) for item in body.get("tags", ())),
            points=tuple(PointGrant(*item) for item in body.get("points", ())),
            jobs=tuple(JobRequest(*item) for item in body.get("jobs", ())),
            subscribed=body.get("subscribed"),
            channel=body.get("channel"),
        )
