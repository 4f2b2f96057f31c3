"""The sales team as a table: who takes leads, their cap, manager, deputy and status.

`[[leads.sales]]` in the config only seeds it on the first start (an empty table);
after that the team is changed with `wxbot team` or the admin site, live in every
process (`bot.runtime.team`).
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Boolean, Date, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now


class SalesMember(Base):
    """One salesperson; `status` is "active", "away" (on leave until `away_until`) or "left"."""

    __tablename__ = "sales_team"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    userid: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(64))
    # Tags or regions this person takes first, as a JSON list.
    tags: Mapped[str] = mapped_column(Text, default="[]")
    # Open leads this person may hold at once; None: no cap.
    max_open: Mapped[int | None] = mapped_column(Integer)
    manager: Mapped[str | None] = mapped_column(String(64))
    # Who gets this person's alerts and reminders while they are away.
    deputy: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(8), default="active")
    # The Asia/Shanghai day they are back (set while "away").
    away_until: Mapped[date | None] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(default=utc_now)


class Handover(Base):
    """A manager's hand-over of someone's open leads: to one person, or by the rules."""

    __tablename__ = "team_handovers"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    from_userid: Mapped[str] = mapped_column(String(64), index=True)
    # None: each lead went where the assignment rules sent it.
    to_userid: Mapped[str | None] = mapped_column(String(64))
    actor: Mapped[str] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(Text, default="")
    lead_count: Mapped[int] = mapped_column(Integer, default=0)
    # Whether the person was still in the corp (WeCom's two transfer APIs differ).
    employed: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
