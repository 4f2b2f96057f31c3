"""Lead grades: which strategy-of-the-moment bucket a person falls in, from their facts.

Grades are ordered (the first is the best) and the first that matches wins.
`grade_of` is a pure function of the profile's facts and the time, so the
effects stage can re-evaluate it on every event and tests need no database.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from storage.profile_facts import ProfileFacts


class Urgency(StrEnum):
    NORMAL = "normal"
    # A card marked urgent, sent at once: never held back for the burst digest.
    URGENT = "urgent"


@dataclass(frozen=True)
class Window:
    """At least `count` events of a kind in the last `days` days."""

    count: int
    days: int


@dataclass(frozen=True)
class GradeCondition:
    """Every field given must hold (an AND); empty fields are not checked."""

    min_score: int | None = None
    any_tags: tuple[str, ...] = ()
    all_tags: tuple[str, ...] = ()
    # The person's first or last channel is one of these (a channel's key or its name)...
    channels: tuple[str, ...] = ()
    # ...or belongs to one of these groups (a channel table's `group`, e.g. 线下活动).
    channel_groups: tuple[str, ...] = ()
    phone: bool | None = None
    messages: Window | None = None
    clicks: Window | None = None

    def holds(self, facts: ProfileFacts, now: datetime) -> bool:
        checks = (
            self.min_score is None or facts.score >= self.min_score,
            not self.any_tags or bool(set(self.any_tags) & facts.tags),
            set(self.all_tags) <= facts.tags,
            not self.channels or any(facts.came_through(c) for c in self.channels),
            not self.channel_groups or bool(facts.channel_groups & set(self.channel_groups)),
            self.phone is None or facts.has_phone == self.phone,
            self.messages is None or _count(facts.message_times, self.messages, now),
            self.clicks is None or _count(facts.click_times, self.clicks, now),
        )
        return all(checks)


def _count(times: Sequence[datetime], window: Window, now: datetime) -> bool:
    since = now - timedelta(days=window.days)
    return sum(1 for at in times if at >= since) >= window.count


@dataclass(frozen=True)
class Grade:
    """One grade and what it gets: alert urgency, claim timeout, push or nurture, a journey."""

    name: str
    # Alternatives: the grade matches when any of them holds.
    when: tuple[GradeCondition, ...]
    urgency: Urgency = Urgency.NORMAL
    # None: the policy's claim_minutes.
    claim_minutes: int | None = None
    # False: "do not alert sales, nurture instead" (the lead waits in the pool).
    push: bool = True
    journey: str | None = None

    def matches(self, facts: ProfileFacts, now: datetime) -> bool:
        return any(condition.holds(facts, now) for condition in self.when)


def grade_of(grades: Sequence[Grade], facts: ProfileFacts, now: datetime) -> Grade | None:
    """The first grade the person meets, or None (not a lead yet)."""
    return next((grade for grade in grades if grade.matches(facts, now)), None)


def rank(grades: Sequence[Grade], name: str | None) -> int:
    """0 for the best grade; unknown or no grade sorts after every grade."""
    return next((i for i, grade in enumerate(grades) if grade.name == name), len(grades))


def is_upgrade(grades: Sequence[Grade], old: str | None, new: str | None) -> bool:
    return new is not None and rank(grades, new) < rank(grades, old)


def max_window_days(grades: Sequence[Grade]) -> int:
    """How many days of events the facts must cover for these grades (0: none)."""
    windows = [
        window.days
        for grade in grades
        for condition in grade.when
        for window in (condition.messages, condition.clicks)
        if window is not None
    ]
    return max(windows, default=0)
