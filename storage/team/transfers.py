"""The one writer and the reads of `customer_transfers`.

Callers pass timestamps in; every write happens in the caller's transaction, so a
transfer is queued with the hand-over that asks for it and its end is recorded with
the job or event that saw it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.team.transfer_models import OPEN, QUEUED, SPLIT, WAITING, CustomerTransfer


@dataclass(frozen=True)
class TransferView:
    """One customer transfer as the lead page and the hand-over page show it."""

    id: int
    handover_id: int
    lead_id: int
    external_userid: str
    from_userid: str
    to_userid: str
    employed: bool
    state: str
    errcode: int | None
    created_at: datetime
    ended_at: datetime | None

    @property
    def split(self) -> bool:
        """The lead's owner and the customer's WeCom owner now differ."""
        return self.state in SPLIT


def _view(row: CustomerTransfer) -> TransferView:
    return TransferView(
        row.id, row.handover_id, row.lead_id, row.external_userid, row.from_userid,
        row.to_userid, row.employed, row.state, row.errcode, row.created_at, row.ended_at,
    )  # fmt: skip


async def queue_transfers(
    session: AsyncSession,
    handover_id: int,
    from_userid: str,
    moves: Sequence[tuple[int, str, str]],
    *,
    employed: bool,
    now: datetime,
) -> list[CustomerTransfer]:
    """One queued row per (lead id, new owner, external userid); flushed, so ids are set."""
    rows = [
        CustomerTransfer(
            handover_id=handover_id, lead_id=lead_id, external_userid=external,
            from_userid=from_userid, to_userid=to_userid, employed=employed,
            state=QUEUED, created_at=now, reported=False,
        )
        for lead_id, to_userid, external in moves
    ]  # fmt: skip
    session.add_all(rows)
    await session.flush()
    return rows


async def queued(session: AsyncSession, ids: Collection[int]) -> list[CustomerTransfer]:
    """The rows among `ids` still waiting for their call (a re-run finds none)."""
    rows = await session.scalars(
        select(CustomerTransfer)
        .where(CustomerTransfer.id.in_(list(ids)), CustomerTransfer.state == QUEUED)
        .order_by(CustomerTransfer.id)
    )
    return list(rows)


async def waiting_of_pair(
    session: AsyncSession, handover_id: int, from_userid: str, to_userid: str, *, employed: bool
) -> list[CustomerTransfer]:
    """Rows of one hand-over's (handover, takeover) pair that WeCom is still working on."""
    rows = await session.scalars(
        select(CustomerTransfer)
        .where(
            CustomerTransfer.handover_id == handover_id,
            CustomerTransfer.from_userid == from_userid,
            CustomerTransfer.to_userid == to_userid,
            CustomerTransfer.employed == employed,
            CustomerTransfer.state == WAITING,
        )
        .order_by(CustomerTransfer.id)
    )
    return list(rows)


async def mark_calling(session: AsyncSession, ids: Collection[int], now: datetime) -> None:
    """Record, before the call, that these rows are being sent: a re-run after a crash
    knows WeCom may have them already (it then answers 40129, in progress)."""
    await session.execute(
        update(CustomerTransfer)
        .where(CustomerTransfer.id.in_(list(ids)), CustomerTransfer.state == QUEUED)
        .values(sent_at=now)
    )


async def set_states(
    session: AsyncSession,
    changes: Mapping[int, tuple[str, int | None]],
    *,
    now: datetime,
    only_from: Collection[str] = OPEN,
) -> list[CustomerTransfer]:
    """Move rows (id → (state, errcode)) on, only from an open state; the rows changed.

    A row that already ended keeps its end, so a late poll or a repeated callback
    never rewrites what happened.
    """
    if not changes:
        return []
    rows = list(
        await session.scalars(
            select(CustomerTransfer)
            .where(
                CustomerTransfer.id.in_(list(changes)), CustomerTransfer.state.in_(list(only_from))
            )
            .with_for_update()
        )
    )
    for row in rows:
        state, errcode = changes[row.id]
        if state == row.state:
            continue
        if row.sent_at is None:
            row.sent_at = now
        row.state, row.errcode = state, errcode
        if state not in OPEN:
            row.ended_at = now
    await session.flush()
    return [row for row in rows if row.state == changes[row.id][0]]


async def waiting_for(
    session: AsyncSession, to_userid: str, external_userid: str
) -> CustomerTransfer | None:
    """The customer's open transfer to `to_userid` (what a `transfer_fail` names)."""
    return await session.scalar(
        select(CustomerTransfer)
        .where(
            CustomerTransfer.to_userid == to_userid,
            CustomerTransfer.external_userid == external_userid,
            CustomerTransfer.state.in_(list(OPEN)),
        )
        .order_by(CustomerTransfer.id.desc())
        .limit(1)
    )


async def mark_reported(session: AsyncSession, ids: Collection[int]) -> None:
    """The manager was told of these ends."""
    if ids:
        await session.execute(
            update(CustomerTransfer).where(CustomerTransfer.id.in_(list(ids))).values(reported=True)
        )


async def transfers_for_handover(session: AsyncSession, handover_id: int) -> list[TransferView]:
    """Every customer transfer of one hand-over, in the order they were queued."""
    rows = await session.scalars(
        select(CustomerTransfer)
        .where(CustomerTransfer.handover_id == handover_id)
        .order_by(CustomerTransfer.id)
    )
    return [_view(row) for row in rows]


async def transfers_for_lead(session: AsyncSession, lead_id: int) -> list[TransferView]:
    """A lead's customer transfers, newest first (the lead page shows the first)."""
    rows = await session.scalars(
        select(CustomerTransfer)
        .where(CustomerTransfer.lead_id == lead_id)
        .order_by(CustomerTransfer.id.desc())
    )
    return [_view(row) for row in rows]


async def known_splits(session: AsyncSession, lead_ids: Collection[int]) -> dict[int, str]:
    """Leads whose newest transfer failed and was reported: lead id → the member the
    customer stayed with (a mismatch there is known to the manager already)."""
    if not lead_ids:
        return {}
    rows = await session.execute(
        select(CustomerTransfer.lead_id, CustomerTransfer.state, CustomerTransfer.reported,
               CustomerTransfer.from_userid)
        .where(CustomerTransfer.lead_id.in_(list(lead_ids)))
        .order_by(CustomerTransfer.lead_id, CustomerTransfer.id)
    )  # fmt: skip
    newest = {lead_id: (state, reported, giver) for lead_id, state, reported, giver in rows}
    return {
        lead_id: giver
        for lead_id, (state, reported, giver) in newest.items()
        if state in SPLIT and reported
    }


async def open_transfer_leads(session: AsyncSession, lead_ids: Collection[int]) -> set[int]:
    """Leads among `lead_ids` whose customer is still on its way (reconciliation skips them)."""
    if not lead_ids:
        return set()
    rows = await session.scalars(
        select(CustomerTransfer.lead_id).where(
            CustomerTransfer.lead_id.in_(list(lead_ids)), CustomerTransfer.state.in_(list(OPEN))
        )
    )
    return set(rows)


async def stuck(
    session: AsyncSession, *, queued_before: datetime, sent_before: datetime
) -> tuple[list[CustomerTransfer], list[CustomerTransfer]]:
    """Rows queued before `queued_before` (their call was dropped) and rows waiting since
    before `sent_before` (their poll chain ended): what the daily upkeep looks after."""
    dropped = await session.scalars(
        select(CustomerTransfer)
        .where(CustomerTransfer.state == QUEUED, CustomerTransfer.created_at < queued_before)
        .order_by(CustomerTransfer.id)
    )
    late = await session.scalars(
        select(CustomerTransfer)
        .where(CustomerTransfer.state == WAITING, CustomerTransfer.sent_at < sent_before)
        .order_by(CustomerTransfer.id)
    )
    return list(dropped), list(late)
