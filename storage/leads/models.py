"""`lead_load`: each salesperson's open leads and round-robin position, kept as they change.

Assignment used to count the whole `leads` table and take a maximum over the whole
`lead_events` table for every new lead; both only grow. This table holds the answer,
one row per person ever given a lead. It is written only by the triggers of
migration 0016 (on `leads` and `lead_events`), in the transaction of the change, so a
rolled-back batch rolls its counts back too, and no code path can forget it.
"""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base


class LeadLoad(Base):
    """One salesperson's load: what `leads.assignment.TeamLoad` is read from."""

    __tablename__ = "lead_load"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    owner: Mapped[str] = mapped_column(String(64), unique=True)
    # Leads owned in an open state (`leads.lifecycle.OPEN_STATES`): the capacity count.
    open_leads: Mapped[int] = mapped_column(Integer, default=0)
    # The id of the person's last "assigned", "claimed" or "transferred" timeline entry
    # (0: never): round robin gives the next lead to the smallest.
    last_assigned: Mapped[int] = mapped_column(Integer, default=0)
