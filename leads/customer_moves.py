"""The seam a hand-over calls: its leads' WeCom customers follow their new owners.

`CustomerMoves.move` queues one `customer_transfers` row per customer and one
`transfer.send` job per 100 customers of a (from, to) pair, in the caller's
transaction: the hand-over and its transfers commit together or not at all.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from itertools import groupby

from sqlalchemy.ext.asyncio import AsyncSession

from leads.transfer_jobs import TRANSFER_SEND, TransferSend
from leads.transfer_limits import TRANSFER_BATCH_MAX, TRANSFER_MSG_MAX
from storage.outbox import add_jobs
from storage.team.transfers import queue_transfers


class CustomerMoves:
    """Queues the WeCom transfers of a hand-over through the WeCom app `app`: the
    `leads.handover.CustomerMover` the bot and `wxbot team` hand over with."""

    def __init__(
        self, app: str, clock: Callable[[], datetime], *, message: str | None = None
    ) -> None:
        if message is not None and len(message) > TRANSFER_MSG_MAX:
            raise ValueError(f"the customer's message is at most {TRANSFER_MSG_MAX} characters")
        self._app = app
        self._clock = clock
        self._message = message

    async def move(
        self,
        session: AsyncSession,
        handover_id: int,
        from_userid: str,
        moves: Sequence[tuple[int, str, str | None]],
        employed: bool,
    ) -> None:
        """Queue (lead id, new owner, external userid or None) moves; None: no customer."""
        now = self._clock()
        wanted = sorted(
            ((lead_id, to, external) for lead_id, to, external in moves
             if external and to != from_userid),
            key=lambda move: (move[1], move[0]),
        )  # fmt: skip
        rows = await queue_transfers(
            session, handover_id, from_userid, wanted, employed=employed, now=now
        )
        message = self._message if employed else None
        sends = plan_sends(
            handover_id, from_userid, [(row.id, row.to_userid) for row in rows], employed, message
        )
        jobs = [TRANSFER_SEND.request(self._app, send) for send in sends]
        add_jobs(session, jobs, now)


def plan_sends(
    handover_id: int,
    from_userid: str,
    rows: Sequence[tuple[int, str]],
    employed: bool,
    message: str | None,
) -> list[TransferSend]:
    """The calls for (row id, new owner) rows: one receiver a call, at most 100 customers."""
    sends: list[TransferSend] = []
    ordered = sorted(rows, key=lambda row: (row[1], row[0]))
    for to_userid, group in groupby(ordered, key=lambda row: row[1]):
        ids = [row_id for row_id, _ in group]
        for start in range(0, len(ids), TRANSFER_BATCH_MAX):
            batch = ids[start : start + TRANSFER_BATCH_MAX]
            sends.append(
                TransferSend(handover_id, from_userid, to_userid, employed, batch, message)
            )
    return sends
