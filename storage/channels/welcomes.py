"""The one writer of `welcome_sends`: the deadline lane's queue and its record.

A welcome code is queued in the transaction that stores its callback (a retried
callback finds the code and queues nothing). A sender claims it with a short lease
before calling WeCom; it is then settled `sent` or `missed` with the reason. A code
whose sender died mid-call is claimed again once the lease runs out, while its 20 s
last: WeCom takes a code once, so a second call either delivers (the first never
arrived) or is refused with 41051 (it did), never a second welcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.models import WelcomeSend
from storage.database import SessionFactory
from storage.upsert import insert_unless_exists

PENDING, SENDING, SENT, MISSED = "pending", "sending", "sent", "missed"


@dataclass(frozen=True)
class DueWelcome:
    id: int
    welcome_code: str
    app: str
    userid: str
    external_userid: str
    channel: str
    deadline_at: datetime
    attempts: int


async def queue_welcome(
    session: AsyncSession,
    *,
    code: str,
    app: str,
    userid: str,
    external_userid: str,
    channel: str,
    received_at: datetime,
    deadline_at: datetime,
) -> bool:
    """Queue a code in the caller's transaction; False when it was queued before."""
    values = {
        "welcome_code": code, "app": app, "userid": userid, "external_userid": external_userid,
        "channel": channel, "received_at": received_at, "deadline_at": deadline_at,
        "status": PENDING, "attempts": 0,
    }  # fmt: skip
    return await insert_unless_exists(session, WelcomeSend, values, ("welcome_code",)) is not None


async def claim_due(
    sessions: SessionFactory, now: datetime, lease_s: float, limit: int
) -> list[DueWelcome]:
    """Codes still inside their window, soonest deadline first, leased to this sender."""
    async with sessions.begin() as session:
        waiting = or_(
            WelcomeSend.status == PENDING,
            and_(WelcomeSend.status == SENDING, WelcomeSend.locked_until < now),
        )
        rows = list(
            await session.scalars(
                select(WelcomeSend)
                .where(waiting, WelcomeSend.deadline_at > now)
                .order_by(WelcomeSend.deadline_at)
                .limit(limit)
                .with_for_update(skip_locked=True)
            )
        )
        for row in rows:
            row.status, row.attempts = SENDING, row.attempts + 1
            row.locked_until = now + timedelta(seconds=lease_s)
        return [
            DueWelcome(r.id, r.welcome_code, r.app, r.userid, r.external_userid, r.channel,
                       r.deadline_at, r.attempts)
            for r in rows
        ]  # fmt: skip


async def settle(
    sessions: SessionFactory, welcome_id: int, status: str, reason: str | None, at: datetime
) -> None:
    """Record the outcome of a claimed code."""
    async with sessions.begin() as session:
        await session.execute(
            update(WelcomeSend)
            .where(WelcomeSend.id == welcome_id, WelcomeSend.status == SENDING)
            .values(status=status, reason=reason, settled_at=at, locked_until=None)
        )


async def release(sessions: SessionFactory, welcome_id: int) -> None:
    """Give a claimed code back for another try (a retryable error, time left)."""
    async with sessions.begin() as session:
        await session.execute(
            update(WelcomeSend)
            .where(WelcomeSend.id == welcome_id, WelcomeSend.status == SENDING)
            .values(status=PENDING, locked_until=None)
        )


# Why a code ended unsent: never tried in its window, or tried by a sender that stopped
# mid-call (WeCom may have delivered that call: nobody heard its answer).
EXPIRED_UNSENT = "expired: the 20 s window closed before it could be sent"
EXPIRED_MID_CALL = (
    "expired: its sender stopped during the call; WeCom may have delivered it, and it is"
    " never sent again"
)


async def expire_overdue(sessions: SessionFactory, now: datetime) -> int:
    """Codes whose 20 s ran out unsent: missed, with why (never sent late)."""
    lapsed = or_(WelcomeSend.locked_until.is_(None), WelcomeSend.locked_until < now)
    expired = 0
    async with sessions.begin() as session:
        for status, reason in ((PENDING, EXPIRED_UNSENT), (SENDING, EXPIRED_MID_CALL)):
            rows = await session.execute(
                update(WelcomeSend)
                .where(WelcomeSend.status == status, WelcomeSend.deadline_at <= now, lapsed)
                .values(status=MISSED, settled_at=now, reason=reason)
                .returning(WelcomeSend.id)
            )
            expired += len(rows.all())
    return expired


async def next_deadline(sessions: SessionFactory) -> datetime | None:
    async with sessions() as session:
        return await session.scalar(
            select(WelcomeSend.deadline_at)
            .where(WelcomeSend.status == PENDING)
            .order_by(WelcomeSend.deadline_at)
            .limit(1)
        )


async def welcome_record(
    sessions: SessionFactory, codes: Sequence[str] | None = None, limit: int = 50
) -> list[WelcomeSend]:
    """The newest welcome codes and what became of them (CLI, admin)."""
    query = select(WelcomeSend).order_by(WelcomeSend.id.desc()).limit(limit)
    if codes is not None:
        query = query.where(WelcomeSend.welcome_code.in_(list(codes)))
    async with sessions() as session:
        return list(await session.scalars(query))
