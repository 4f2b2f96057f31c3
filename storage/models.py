"""The database schema. Alembic migrations in storage/migrations create it."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar

from sqlalchemy import (
    BigInteger,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from storage.records import DEDUP_KEY_MAX
from storage.types import UtcDateTime, utc_now


class Base(DeclarativeBase):
    type_annotation_map: ClassVar[dict[type, type]] = {datetime: UtcDateTime}


class Profile(Base):
    """One person across official accounts and WeCom (OneID).

    A profile is never deleted once anything points at it: a merge leaves the
    absorbed one as a tombstone (`merged_into_id`), and the only delete is of a
    profile made in the same transaction that lost a race before any row used it
    (`storage.identities`). So the tables the effects stage appends to for every
    event (`inbound_events`, `point_entries`, `profile_timeline`) carry their
    `profile_id` without a foreign key: its check was a lookup and a row lock of
    the profile per row, a quarter of PostgreSQL's CPU per applied event, and it
    could never fail. Their ids come from OneID in the same transaction, and a trigger
    (migration 0019) refuses to delete a profile they still point at.
    """

    __tablename__ = "profiles"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    unionid: Mapped[str | None] = mapped_column(String(64), unique=True)
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    score: Mapped[int] = mapped_column(Integer, default=0)
    first_channel: Mapped[str | None] = mapped_column(String(64))
    last_channel: Mapped[str | None] = mapped_column(String(64))
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("profiles.id"))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Identity(Base):
    """An id under which a profile is known: an openid of one account, an external_userid."""

    __tablename__ = "identities"
    __table_args__ = (UniqueConstraint("kind", "app", "value", name="uq_identity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    app: Mapped[str] = mapped_column(String(64))
    # Indexed alone too: people search looks a value up without its kind or app.
    value: Mapped[str] = mapped_column(String(128), index=True)
    # The name the person goes by here, where the platform tells it (a WeCom customer's
    # WeChat name from externalcontact/get; official accounts give none since 2021-12).
    name: Mapped[str | None] = mapped_column(String(64), index=True)
    subscribed: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    last_seen_at: Mapped[datetime] = mapped_column(default=utc_now)


class ProfileTag(Base):
    __tablename__ = "profile_tags"
    __table_args__ = (UniqueConstraint("profile_id", "tag", name="uq_profile_tag"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), index=True)
    tag: Mapped[str] = mapped_column(String(64))
    category: Mapped[str] = mapped_column(String(16), default="behavior")
    source: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The tag-expiry sweeper's range scan.
    expires_at: Mapped[datetime | None] = mapped_column(index=True)


class PointEntry(Base):
    """Lead points as a ledger, so windows such as "points in 30 days" can be computed."""

    __tablename__ = "point_entries"
    __table_args__ = (Index("ix_point_entries_profile_time", "profile_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key, on purpose: see `Profile`.
    profile_id: Mapped[int] = mapped_column(Integer)
    points: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class AppliedLater:
    """Columns of an event table whose effects the effects stage applies behind the reply.

    `effects_state` is `pending` (stored, not applied), `held` (its handler
    overran the deadline and its decision is still coming), `applied` or
    `failed` (set aside after repeated errors; `wxbot events retry` replays it).
    """

    # Which lease of the effects stage covers the row: events of one person share one.
    partition: Mapped[int] = mapped_column(SmallInteger, default=0)
    effects_state: Mapped[str] = mapped_column(String(8), default="pending")
    effects_attempts: Mapped[int] = mapped_column(Integer, default=0)
    effects_error: Mapped[str | None] = mapped_column(Text)
    applied_at: Mapped[datetime | None] = mapped_column()


class InboundEvent(AppliedLater, Base):
    """Every accepted message and event, stored before the callback is answered.

    The row carries what the handler decided (`rule`, `variant`, `reply`, and
    `decision`: tags, points and sends as JSON), so the effects stage applies
    exactly that even if the keyword table changes meanwhile.
    """

    __tablename__ = "inbound_events"
    __table_args__ = (
        Index("ix_inbound_events_profile_time", "profile_id", "received_at"),
        Index("ix_inbound_events_unapplied", "effects_state", "partition", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # Unique: the database is the last word on WeChat's retries, even if the cache was lost.
    dedup_key: Mapped[str] = mapped_column(String(DEDUP_KEY_MAX), unique=True)
    account: Mapped[str] = mapped_column(String(64))
    openid: Mapped[str] = mapped_column(String(128))
    # Resolved by the effects stage (OneID), not by the request. No foreign key, on
    # purpose: see `Profile`.
    profile_id: Mapped[int | None] = mapped_column(Integer)
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    event_key: Mapped[str | None] = mapped_column(Text)
    content: Mapped[str | None] = mapped_column(Text)
    msg_id: Mapped[int | None] = mapped_column(BigInteger)
    sent_at: Mapped[datetime] = mapped_column()
    received_at: Mapped[datetime] = mapped_column(default=utc_now, index=True)
    rule: Mapped[str | None] = mapped_column(String(128), index=True)
    variant: Mapped[int | None] = mapped_column(Integer)
    # The reply XML sent (plaintext; "" for none), so a retry gets the same answer.
    reply: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(Text)


class EffectLease(Base):
    """Who applies one partition of one event stream now; its row lock fences a batch."""

    __tablename__ = "effect_leases"

    stream: Mapped[str] = mapped_column(String(16), primary_key=True)
    partition: Mapped[int] = mapped_column(SmallInteger, primary_key=True)
    owner: Mapped[str | None] = mapped_column(String(64))
    lease_until: Mapped[datetime | None] = mapped_column()


class EffectConsumer(Base):
    """A live consumer of the effects stage (heartbeat), so leases are shared fairly."""

    __tablename__ = "effect_consumers"

    owner: Mapped[str] = mapped_column(String(64), primary_key=True)
    seen_at: Mapped[datetime] = mapped_column()


class OutboxJob(Base):
    """An outgoing API call that must happen after the reply, retried until done."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(64))
    payload: Mapped[str] = mapped_column(Text)
    dedup_key: Mapped[str | None] = mapped_column(String(DEDUP_KEY_MAX), unique=True)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(default=utc_now)
    locked_until: Mapped[datetime | None] = mapped_column()
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    done_at: Mapped[datetime | None] = mapped_column()
