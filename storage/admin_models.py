"""Tables of the admin site: who may sign in, and what each of them changed."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.lead_models import Lead
from storage.models import Base, Profile, ProfileTag
from storage.types import utc_now


class AdminUser(Base):
    """A person who signs in to /admin/; the password is stored as an argon2 hash only."""

    __tablename__ = "admin_users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))
    # Failed sign-ins since the last good one; at the limit the account locks until `locked_until`.
    failures: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = mapped_column(default=utc_now)


class AdminAudit(Base):
    """One change made through the admin site or the admin CLI: who, when, what."""

    __tablename__ = "admin_audit"
    __table_args__ = (Index("ix_admin_audit_at", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=utc_now)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(String(128))
    detail: Mapped[str] = mapped_column(Text, default="")


class DailyCount(Base):
    """A finished day's dashboard counts (messages, follows, matched, missed), kept so
    the dashboard reads a row per day instead of scanning millions of events.
    Only past days are stored: today is counted live, over one day of the index."""

    __tablename__ = "admin_daily_counts"

    day: Mapped[str] = mapped_column(String(10), primary_key=True)  # YYYY-MM-DD, Shanghai
    metric: Mapped[str] = mapped_column(String(32), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)


# Read paths of the admin site's lead board: a column is "this state (or owner), newest
# first, a page", and the age filter is a range on created_at.
Index("ix_leads_state_id", Lead.state, Lead.id)
Index("ix_leads_owner_id", Lead.owner, Lead.id)
Index("ix_leads_created_at", Lead.created_at)
# The grade filter: a handful of grades, but the one asked for (A) is the rare one, so
# its leads come off the index; (grade, state) also counts the by-state columns alone.
Index("ix_leads_grade_state", Lead.grade, Lead.state)
# The lead board's tag filter starts from the tag's profiles (uq_profile_tag leads with
# profile_id, so it cannot); one more index on a table written once per tag grant.
Index("ix_profile_tags_tag", ProfileTag.tag, ProfileTag.profile_id)
# The profile page (`wxbot users show`'s code) lists the profiles merged into this one;
# few are, so a partial index keeps that lookup off a scan of every profile.
Index(
    "ix_profiles_merged_into",
    Profile.merged_into_id,
    postgresql_where=Profile.merged_into_id.is_not(None),
    sqlite_where=Profile.merged_into_id.is_not(None),
)
