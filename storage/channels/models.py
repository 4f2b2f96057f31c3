"""Tables of the channels feature."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now


class ChannelRow(Base):
    """Every channel key ever published, with its name for people and its codes.

    Written from the live table at each publish (name, group, cost, enabled) and by the
    code jobs (ticket, URL, expiry, config_id, the way's staff). A channel removed from
    the table stays, disabled: its printed codes still scan and still count under it.
    SQL joins this for names (the lead board, the dashboard by channel, the figures).
    """

    __tablename__ = "channels"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    group_name: Mapped[str] = mapped_column(String(64), default="")
    cost: Mapped[float | None] = mapped_column(Float)
    enabled: Mapped[bool] = mapped_column(default=True)
    qr_account: Mapped[str | None] = mapped_column(String(64))
    qr_kind: Mapped[str | None] = mapped_column(String(16))
    qr_ticket: Mapped[str | None] = mapped_column(String(256))
    qr_url: Mapped[str | None] = mapped_column(String(256))
    # None for a permanent code.
    qr_expires_at: Mapped[datetime | None] = mapped_column()
    way_app: Mapped[str | None] = mapped_column(String(64))
    way_config_id: Mapped[str | None] = mapped_column(String(64))
    way_qr_url: Mapped[str | None] = mapped_column(String(512))
    # The way's `user` list as last set at WeCom, "|"-joined.
    way_users: Mapped[str | None] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


# Counted columns of a day's figures; one writer (`storage.channels.tallies`).
COUNTS = (
    "scans",
    "follows",
    "refollows",
    "unfollows",
    "adds",
    "deleted_by_staff",
    "deleted_by_customer",
    "tagged",
    "leads",
    "claimed",
    "won",
)


class ChannelDay(Base):
    """A channel's counts for one day (Asia/Shanghai) and staff member ("" for none).

    Made once per event by the step that applies it, so a page reads rows, never events.
    """

    __tablename__ = "channel_days"
    __table_args__ = (
        UniqueConstraint("channel", "day", "staff", name="uq_channel_day"),
        Index("ix_channel_days_day", "day"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    channel: Mapped[str] = mapped_column(String(64))
    day: Mapped[str] = mapped_column(String(10))
    staff: Mapped[str] = mapped_column(String(64), default="")
    scans: Mapped[int] = mapped_column(Integer, default=0)
    follows: Mapped[int] = mapped_column(Integer, default=0)
    refollows: Mapped[int] = mapped_column(Integer, default=0)
    unfollows: Mapped[int] = mapped_column(Integer, default=0)
    adds: Mapped[int] = mapped_column(Integer, default=0)
    deleted_by_staff: Mapped[int] = mapped_column(Integer, default=0)
    deleted_by_customer: Mapped[int] = mapped_column(Integer, default=0)
    tagged: Mapped[int] = mapped_column(Integer, default=0)
    leads: Mapped[int] = mapped_column(Integer, default=0)
    claimed: Mapped[int] = mapped_column(Integer, default=0)
    won: Mapped[int] = mapped_column(Integer, default=0)


class ChannelMember(Base):
    """The channel that first brought a person through a code, and when they were first
    tagged after it (counted once per person, as the channel's "tagged"). A merge of two
    profiles moves the row to the survivor, unless the survivor has one of its own."""

    __tablename__ = "channel_members"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), unique=True)
    channel: Mapped[str] = mapped_column(String(64))
    arrived_at: Mapped[datetime] = mapped_column()
    tagged_at: Mapped[datetime | None] = mapped_column()


class WelcomeSend(Base):
    """One welcome code WeCom handed us: sent once, or missed with the reason.

    The code is the unique key, so a retried callback cannot queue a second send.
    `deadline_at` is 20 s after WeCom issued the code; nothing is sent after it.
    """

    __tablename__ = "welcome_sends"
    __table_args__ = (Index("ix_welcome_sends_due", "status", "deadline_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    welcome_code: Mapped[str] = mapped_column(String(256), unique=True)
    app: Mapped[str] = mapped_column(String(64))
    userid: Mapped[str] = mapped_column(String(64))
    external_userid: Mapped[str] = mapped_column(String(128))
    channel: Mapped[str] = mapped_column(String(64), default="")
    received_at: Mapped[datetime] = mapped_column()
    deadline_at: Mapped[datetime] = mapped_column()
    # pending → sending (claimed, the call is being made) → sent | missed
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    reason: Mapped[str | None] = mapped_column(Text)
    settled_at: Mapped[datetime | None] = mapped_column()
