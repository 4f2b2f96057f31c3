"""Tables of the tagging feature: the per-profile timeline and WeCom contact relations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now


class TimelineEntry(Base):
    """One change to a profile: a tag added/removed/expired, points, a merge, a link.

    `ref`, when set, names what an entry was written for (an identity link, a
    merge) and is unique, so writing the same entry twice is a no-op.
    """

    __tablename__ = "profile_timeline"
    __table_args__ = (Index("ix_profile_timeline_profile_at", "profile_id", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # No foreign key, on purpose: see `storage.models.Profile`.
    profile_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    kind: Mapped[str] = mapped_column(String(24))
    tag: Mapped[str | None] = mapped_column(String(64))
    points: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[str | None] = mapped_column(String(128))
    detail: Mapped[str | None] = mapped_column(Text)
    ref: Mapped[str | None] = mapped_column(String(64), unique=True)


class WeComRelation(Base):
    """A staff member (userid) who has a customer (external_userid) as a contact.

    Corp tags sit on this relation, so mirroring a tag means one `mark_tag`
    per relation. `state` is the contact way's State: the channel it came by.
    """

    __tablename__ = "wecom_relations"
    __table_args__ = (
        UniqueConstraint("corp", "external_userid", "userid", name="uq_wecom_relation"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    corp: Mapped[str] = mapped_column(String(64))
    external_userid: Mapped[str] = mapped_column(String(128), index=True)
    userid: Mapped[str] = mapped_column(String(64))
    state: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
