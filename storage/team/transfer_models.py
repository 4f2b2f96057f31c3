"""`customer_transfers`: one row per customer moved in WeCom by a hand-over.

A hand-over moves a lead to a new owner at once; its WeCom customer follows through
`transfer_customer` (or `resigned/transfer_customer`), which takes 24 h and may fail.
This row is the customer's side of that move, so the lead page and the hand-over page
show where it stands, and a failed one is never a silent split.
"""

from __future__ import annotations

from datetime import datetime
from typing import Final

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base

# queued: waiting for its call; waiting: WeCom started the 24 h; then one end state.
QUEUED: Final = "queued"
WAITING: Final = "waiting"
DONE: Final = "done"
REFUSED: Final = "refused"
RECEIVER_FULL: Final = "receiver_full"
NO_RECORD: Final = "no_record"
LIMIT_REACHED: Final = "limit_reached"
FAILED: Final = "failed"
STATES: Final = (QUEUED, WAITING, DONE, REFUSED, RECEIVER_FULL, NO_RECORD, LIMIT_REACHED, FAILED)
OPEN: Final = frozenset({QUEUED, WAITING})
# Ends where the lead's owner and the customer's WeCom owner differ: the manager acts.
SPLIT: Final = frozenset({REFUSED, RECEIVER_FULL, NO_RECORD, LIMIT_REACHED, FAILED})


class CustomerTransfer(Base):
    """One customer of one hand-over: from whom, to whom, and where the transfer stands."""

    __tablename__ = "customer_transfers"
    __table_args__ = (
        Index("ix_customer_transfers_pair", "from_userid", "to_userid", "state"),
        Index("ix_customer_transfers_handover", "handover_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    # The hand-over that asked for it (the team's hand-over id; no foreign key here, so
    # the two halves of the team feature migrate apart).
    handover_id: Mapped[int] = mapped_column(Integer)
    lead_id: Mapped[int] = mapped_column(ForeignKey("leads.id"), index=True)
    external_userid: Mapped[str] = mapped_column(String(128))
    from_userid: Mapped[str] = mapped_column(String(64))
    to_userid: Mapped[str] = mapped_column(String(64))
    # True: `transfer_customer` (在职继承); False: the member left (离职继承).
    employed: Mapped[bool] = mapped_column(Boolean)
    state: Mapped[str] = mapped_column(String(16), default=QUEUED)
    # WeCom's per-customer errcode or the call's, when it ended on one.
    errcode: Mapped[int | None] = mapped_column(Integer)
    # The takeover time WeCom reported (done) or when another end was seen.
    created_at: Mapped[datetime] = mapped_column()
    sent_at: Mapped[datetime | None] = mapped_column()
    ended_at: Mapped[datetime | None] = mapped_column()
    # The manager was told of a failed end (at most once).
    reported: Mapped[bool] = mapped_column(Boolean, default=False)
