"""Outbox executors of the customer transfers: the transfer calls, then the polls.

`transfer.send` calls `transfer_customer` (or, for a member who left,
`get_unassigned_list` then `resigned/transfer_customer`) for at most 100 customers and
records each customer's answer; `transfer.poll` asks `transfer_result` for the pair
until every customer of the hand-over ended, waiting longer each round (the takeover
completes 24 h after the call). A limit (40128, 40099) ends the row: never retried.

Exactly once across a crash: the rows are marked as being sent before the call, and
their answers are written only with the job's completion. A worker that dies between
the two re-runs the job; WeCom answers 40129 (already in transfer) for the customers
it has, which records them as waiting, so no customer is transferred twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from bot.effects.api_clients import configured
from bot.effects.jobs import JobHandler, SettleWrites
from leads.transfer_jobs import TRANSFER_POLL, TRANSFER_SEND, TransferPoll, TransferSend, poll_key
from leads.transfer_limits import (
    MISSING_AFTER_S,
    POLL_DELAYS_S,
    POLL_EVERY_S,
    RECEIVER_FULL,
    RESULT_STATES,
    state_of_answer,
)
from leads.transfer_outcomes import TransferOutcomes
from storage.database import SessionFactory
from storage.leads_repo import schedule_job
from storage.team.transfer_models import FAILED, NO_RECORD, OPEN, QUEUED, WAITING
from storage.team.transfers import mark_calling, queued, set_states, waiting_of_pair
from wxapi.errors import ApiError
from wxapi.transfers import TransferApi
from wxapi.wecom import WeComClient

log = logging.getLogger(__name__)

Changes = dict[int, tuple[str, int | None]]


def poll_delay_s(round_: int) -> float:
    """The wait before poll `round_`: 1 h, 6 h, just past 24 h in all, then every 6 h."""
    return POLL_DELAYS_S[round_] if round_ < len(POLL_DELAYS_S) else POLL_EVERY_S


class TransferJobs:
    """Carries out `transfer.send` and `transfer.poll` through each job's WeCom app."""

    def __init__(
        self,
        clients: Mapping[str, WeComClient],
        sessions: SessionFactory,
        outcomes: Callable[[str], TransferOutcomes],
        clock: Callable[[], datetime],
    ) -> None:
        self._clients = clients
        self._sessions = sessions
        self._outcomes = outcomes
        self._clock = clock

    def handlers(self) -> list[JobHandler[Any]]:
        return [JobHandler(TRANSFER_SEND, self.send), JobHandler(TRANSFER_POLL, self.poll)]

    def _api(self, target: str, kind: str) -> TransferApi:
        return TransferApi(configured(self._clients, target, kind))

    async def send(self, target: str, job: TransferSend) -> SettleWrites | None:
        async with self._sessions.begin() as session:
            rows = await queued(session, job.transfer_ids)
            pending = [(row.id, row.external_userid, row.sent_at is not None) for row in rows]
            await mark_calling(session, [row_id for row_id, _, _ in pending], self._clock())
        if not pending:
            return None  # answered and recorded already: a re-run after the completion
        api = self._api(target, TRANSFER_SEND.name)
        changes: Changes = {}
        asked = pending
        if not job.employed:
            # A member who left: only customers WeCom lists as unassigned can move. A row
            # already being sent may be in transfer now (no longer listed): ask anyway.
            listed = await self._unassigned_of(api, job.from_userid)
            asked = [(row_id, ext, sent) for row_id, ext, sent in pending if ext in listed or sent]
            changes |= {row_id: (NO_RECORD, None) for row_id, _, _ in set(pending) - set(asked)}
        if asked:
            changes |= await self._call(api, job, {ext: row_id for row_id, ext, _ in asked})
        return self._settle(target, job, changes, only_from=frozenset({QUEUED}))

    async def _call(self, api: TransferApi, job: TransferSend, ids: dict[str, int]) -> Changes:
        try:
            answers = await api.transfer(
                job.from_userid, job.to_userid, list(ids), employed=job.employed,
                message=job.message,
            )  # fmt: skip
        except ApiError as exc:
            if exc.retryable or exc.token_rejected:
                raise
            # The whole call was refused for good (the receiver full, a member unknown or
            # not resigned): each customer ends on the call's code, for the manager.
            state = state_of_answer(exc.errcode) if exc.errcode == RECEIVER_FULL else FAILED
            log.warning("transfer call %s→%s refused: %s", job.from_userid, job.to_userid, exc)
            return dict.fromkeys(ids.values(), (state, exc.errcode))
        by_ext = {answer.external_userid: answer.errcode for answer in answers}
        # A customer the answer leaves out is one WeCom did not take: failed, with no code.
        return {
            row_id: (state_of_answer(by_ext[ext]), by_ext[ext] or None)
            if ext in by_ext
            else (FAILED, None)
            for ext, row_id in ids.items()
        }

    @staticmethod
    async def _unassigned_of(api: TransferApi, userid: str) -> set[str]:
        found: set[str] = set()
        cursor = ""
        while True:
            page = await api.unassigned(cursor=cursor)
            found |= {u.external_userid for u in page.items if u.handover_userid == userid}
            cursor = page.next_cursor
            if not cursor:
                return found

    async def poll(self, target: str, job: TransferPoll) -> SettleWrites | None:
        api = self._api(target, TRANSFER_POLL.name)
        statuses: dict[str, int] = {}
        cursor = ""
        while True:
            page = await api.result(
                job.from_userid, job.to_userid, employed=job.employed, cursor=cursor
            )
            statuses |= {s.external_userid: s.status for s in page.items}
            cursor = page.next_cursor
            if not cursor:
                break
        now = self._clock()
        async with self._sessions() as session:
            rows = await waiting_of_pair(
                session, job.handover_id, job.from_userid, job.to_userid, employed=job.employed
            )
        changes: Changes = {}
        for row in rows:
            status = statuses.get(row.external_userid)
            if status is not None and RESULT_STATES.get(status, WAITING) != WAITING:
                changes[row.id] = (RESULT_STATES[status], None)
            elif (
                status is None
                and row.sent_at is not None
                and now - row.sent_at > timedelta(seconds=MISSING_AFTER_S)
            ):
                changes[row.id] = (NO_RECORD, None)
        return self._settle(target, job, changes, only_from=frozenset({WAITING}), round_=job.round)

    def _settle(
        self,
        target: str,
        job: TransferSend | TransferPoll,
        changes: Changes,
        *,
        only_from: frozenset[str],
        round_: int = -1,
    ) -> SettleWrites:
        async def write(session: AsyncSession) -> None:
            now = self._clock()
            changed = await set_states(session, changes, now=now, only_from=only_from)
            await self._outcomes(target).ended(session, [r for r in changed if r.state not in OPEN])
            left = await waiting_of_pair(
                session, job.handover_id, job.from_userid, job.to_userid, employed=job.employed
            )
            if not left:
                return
            following = TransferPoll(
                job.handover_id, job.from_userid, job.to_userid, job.employed, round_ + 1
            )
            request = TRANSFER_POLL.request(target, following, dedup_key=poll_key(following))
            due = now + timedelta(seconds=poll_delay_s(following.round))
            await schedule_job(session, request, due_at=due, now=now)

        return write
