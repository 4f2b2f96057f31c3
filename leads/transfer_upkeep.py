"""The transfers' daily upkeep: no customer transfer stays open for ever, unseen.

A transfer call the outbox gave up on (WeCom or the network down for hours) leaves
its rows queued; a poll chain that gave up leaves its rows waiting. Both would be a
silent split. Once a day, queued rows past `STUCK_AFTER_S` end `failed` (with their
lead's entry and the manager's notice), and each pair still waiting past the 24 h
takeover by as long gets a new poll chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from leads.transfer_jobs import TRANSFER_POLL, TransferPoll, poll_key
from leads.transfer_limits import RESTART_ROUND_BASE, STUCK_AFTER_S
from leads.transfer_outcomes import TransferOutcomes
from storage.outbox import add_jobs_once
from storage.team.transfer_models import FAILED
from storage.team.transfers import set_states, stuck

_TAKEOVER = timedelta(hours=24)


@dataclass(frozen=True)
class Upkeep:
    """What one upkeep did: rows ended as dropped, poll chains started again."""

    failed: int
    polls: int


class TransferUpkeep:
    """Ends dropped transfers and restarts lost polls, through the WeCom app `app`."""

    def __init__(self, app: str, outcomes: TransferOutcomes, clock: Callable[[], datetime]) -> None:
        self._app = app
        self._outcomes = outcomes
        self._clock = clock

    async def run(self, session: AsyncSession) -> Upkeep:
        now = self._clock()
        late_by = timedelta(seconds=STUCK_AFTER_S)
        dropped, late = await stuck(
            session, queued_before=now - late_by, sent_before=now - _TAKEOVER - late_by
        )
        changed = await set_states(session, {row.id: (FAILED, None) for row in dropped}, now=now)
        await self._outcomes.ended(session, changed)
        day = now.date().toordinal()
        polls = {
            TransferPoll(row.handover_id, row.from_userid, row.to_userid, row.employed,
                         RESTART_ROUND_BASE + day)
            for row in late
        }  # fmt: skip
        jobs = [
            TRANSFER_POLL.request(self._app, poll, dedup_key=poll_key(poll))
            for poll in sorted(polls, key=poll_key)
        ]
        started = await add_jobs_once(session, jobs, now)
        return Upkeep(len(changed), started)
