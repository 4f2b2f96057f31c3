"""Tables of the leads feature: leads, their timeline, deferred alerts, WeCom callbacks."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

# The team's maintained load is one of the leads' tables: registered with them.
import storage.leads.models  # noqa: F401
from storage.models import AppliedLater, Base
from storage.records import DEDUP_KEY_MAX
from storage.types import utc_now


class Lead(Base):
    """A qualified person being worked by sales; at most one per profile."""

    __tablename__ = "leads"
    __table_args__ = (Index("ix_leads_owner_state", "owner", "state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    profile_id: Mapped[int] = mapped_column(ForeignKey("profiles.id"), unique=True)
    state: Mapped[str] = mapped_column(String(16))
    # The salesperson's WeCom userid; None while the lead sits in the pool (公海).
    owner: Mapped[str | None] = mapped_column(String(64))
    assigned_at: Mapped[datetime | None] = mapped_column()
    # None until the owner accepts the lead; unclaimed leads time out.
    claimed_at: Mapped[datetime | None] = mapped_column()
    # The owner's last status change or note: the follow-up tiers count from here.
    followed_up_at: Mapped[datetime | None] = mapped_column()
    escalation: Mapped[int] = mapped_column(Integer, default=0)
    # The person's last message or event: dormancy counts from here.
    active_at: Mapped[datetime] = mapped_column()
    channel: Mapped[str | None] = mapped_column(String(64))
    external_userid: Mapped[str | None] = mapped_column(String(128))
    # Do-not-disturb: set when won, cleared only by a manager's unlock.
    locked: Mapped[bool] = mapped_column(default=False)
    # The lead grade now (`[[leads.grades]]` name); its changes are "graded" timeline events.
    grade: Mapped[str | None] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class LeadEvent(Base):
    """One entry of a lead's timeline: every transition with who and when."""

    __tablename__ = "lead_events"
    __table_args__ = (Index("ix_lead_events_lead", "lead_id", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    kind: Mapped[str] = mapped_column(String(32), index=True)
    # A WeCom userid, or "system" for timers and qualification.
    actor: Mapped[str] = mapped_column(String(64))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str | None] = mapped_column(String(16))
    # The owner after this event (None: the pool).
    owner: Mapped[str | None] = mapped_column(String(64), index=True)
    detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class DeferredAlert(Base):
    """A lead alert held back by the per-recipient rate limit, for the next digest."""

    __tablename__ = "lead_deferred_alerts"
    __table_args__ = (Index("ix_lead_deferred_recipient", "recipient", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    recipient: Mapped[str] = mapped_column(String(64))
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"))
    title: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    sent_at: Mapped[datetime | None] = mapped_column()


class WeComEvent(AppliedLater, Base):
    """Every accepted WeCom callback; the unique key is the last word on retries.

    Staff commands are applied in the request (their answer is their result) and
    stored `applied`; contact changes and card clicks are applied by the effects stage.
    """

    __tablename__ = "wecom_events"
    # The effects stage's pending events, per partition and in order (as inbound_events').
    __table_args__ = (Index("ix_wecom_events_unapplied", "effects_state", "partition", "id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    dedup_key: Mapped[str] = mapped_column(String(DEDUP_KEY_MAX), unique=True)
    app: Mapped[str] = mapped_column(String(64))
    from_user: Mapped[str] = mapped_column(String(128))
    msg_type: Mapped[str] = mapped_column(String(32))
    event: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[str | None] = mapped_column(Text)
    received_at: Mapped[datetime] = mapped_column(default=utc_now)
    # The reply XML sent (plaintext; "" for none), so a retry gets the same answer.
    reply: Mapped[str | None] = mapped_column(Text)
