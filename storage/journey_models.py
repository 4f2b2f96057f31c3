"""Tables of the journeys feature: runs (each one a durable timer) and what each step did."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now

ACTIVE = "active"
DONE = "done"
EXITED = "exited"


class JourneyRun(Base):
    """One person going through one journey; `due_at` is its timer for the next step.

    `active_key` is `journey:profile` while the run is active and NULL after, so
    a unique index allows at most one active run of a journey per person (NULLs
    never collide) while finished runs stay for the figures.
    """

    __tablename__ = "journey_runs"
    __table_args__ = (
        Index("ix_journey_runs_due", "status", "due_at"),
        Index("ix_journey_runs_journey", "journey", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    journey: Mapped[str] = mapped_column(String(64))
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    status: Mapped[str] = mapped_column(String(16), default=ACTIVE)
    # The index of the next step to run.
    step: Mapped[int] = mapped_column(Integer, default=0)
    due_at: Mapped[datetime | None] = mapped_column()
    active_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    trigger: Mapped[str] = mapped_column(String(160))
    started_at: Mapped[datetime] = mapped_column(default=utc_now)
    ended_at: Mapped[datetime | None] = mapped_column()
    exit_reason: Mapped[str | None] = mapped_column(String(160))


class JourneyRunEvent(Base):
    """One thing that happened to a run: entered, a step sent/skipped/postponed, a fallback."""

    __tablename__ = "journey_run_events"
    __table_args__ = (
        Index("ix_journey_run_events_run", "run_id", "id"),
        Index("ix_journey_run_events_profile", "profile_id", "kind", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    run_id: Mapped[int] = mapped_column(ForeignKey("journey_runs.id"))
    # A foreign key, so a profile merge moves the events (and the daily cap) along.
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"))
    journey: Mapped[str] = mapped_column(String(64))
    step: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(32))
    channel: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str | None] = mapped_column(Text)
    at: Mapped[datetime] = mapped_column(default=utc_now)
