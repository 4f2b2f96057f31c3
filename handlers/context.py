"""What a handler gets besides the message: its dependencies and an effects recorder."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from keywords.matcher import KeywordMatcher
from storage.cache import Cache
from storage.records import Decision, JobRequest, PointGrant, TagGrant


@dataclass(frozen=True)
class HandlerDeps:
    """Everything handlers may use; built once by the app factory, or by a test."""

    cache: Cache
    matcher_for: Callable[[str], KeywordMatcher]
    clock: Callable[[], datetime]
    rng: random.Random


@dataclass
class Context:
    """Per-callback state: handlers record their decision here, stored with the event."""

    deps: HandlerDeps
    rule: str | None = None
    variant: int | None = None
    subscribed: bool | None = None
    channel: str | None = None
    tags: list[TagGrant] = field(default_factory=list)
    points: list[PointGrant] = field(default_factory=list)
    jobs: list[JobRequest] = field(default_factory=list)

    def decision(self, reply: str = "") -> Decision:
        """What was decided, with `reply`, the XML sent ("" for none or not yet known)."""
        return Decision(
            rule=self.rule,
            variant=self.variant,
            tags=tuple(self.tags),
            points=tuple(self.points),
            jobs=tuple(self.jobs),
            subscribed=self.subscribed,
            channel=self.channel,
            reply=reply,
        )
