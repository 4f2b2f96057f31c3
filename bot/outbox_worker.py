"""Runs outbox jobs: claims due jobs, calls the API, settles each job.

Any number of bot processes may run a worker against the same database; the
outbox's row leases keep them from taking the same job twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections import defaultdict
from collections.abc import Awaitable, Callable, Mapping

from bot.limits import (
    OUTBOX_BATCH,
    OUTBOX_IDLE_POLL_S,
    OUTBOX_LEASE_S,
    OUTBOX_MAX_ATTEMPTS,
    OUTBOX_MAX_BACKOFF_S,
)
from bot.metrics import Metrics
from storage.outbox import ClaimedJob, Outbox
from wxapi.errors import ApiError

log = logging.getLogger(__name__)

Executor = Callable[[str, dict[str, object]], Awaitable[None]]


def backoff_s(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 2, 4, 8… capped."""
    return float(min(OUTBOX_MAX_BACKOFF_S, 2.0**attempts))


class OutboxWorker:
    """Drains the outbox; `wake()` after an enqueue avoids waiting for the next poll."""

    def __init__(self, outbox: Outbox, executors: Mapping[str, Executor], metrics: Metrics) -> None:
        self._outbox = outbox
        self._executors = executors
        self._metrics = metrics
        self._wakeup = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wakeup.set()

    def stop(self) -> None:
        """Finish the batch in flight, then return from `run_forever`.

        Cancelling mid-call instead could leave an API call made but not
        recorded (sent twice after restart) and a database connection half closed.
        """
        self._stopping = True
        self._wakeup.set()

    async def run_once(self) -> int:
        """Claim and run one batch of due jobs; returns how many were claimed."""
        jobs = await self._outbox.claim(OUTBOX_BATCH, OUTBOX_LEASE_S)
        queues: dict[tuple[str, str, object], list[ClaimedJob]] = defaultdict(list)
        for job in jobs:
            queues[(job.kind, job.target, job.payload.get("touser"))].append(job)
        await asyncio.gather(*(self._run_in_order(queue) for queue in queues.values()))
        return len(jobs)

    async def _run_in_order(self, jobs: list[ClaimedJob]) -> None:
        # Messages to one person arrive in the order they were queued.
        for job in jobs:
            await self._run(job)

    async def run_forever(self) -> None:
        while not self._stopping:
            try:
                claimed = await self.run_once()
            except Exception:
                # The database may be briefly away; the jobs wait there safely.
                log.exception("outbox batch failed; retrying")
                claimed = 0
            if claimed < OUTBOX_BATCH and not self._stopping:
                self._wakeup.clear()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._wakeup.wait(), OUTBOX_IDLE_POLL_S)

    async def _run(self, job: ClaimedJob) -> None:
        executor = self._executors.get(job.kind)
        if executor is None:
            await self._outbox.fail(job.id, f"no executor for job kind {job.kind!r}")
            self._metrics.outbox_jobs.labels(job.kind, "failed").inc()
            return
        try:
            await executor(job.target, job.payload)
        except ApiError as exc:
            await self._settle_failure(job, exc)
            return
        await self._outbox.complete(job.id)
        self._metrics.outbox_jobs.labels(job.kind, "done").inc()

    async def _settle_failure(self, job: ClaimedJob, error: ApiError) -> None:
        reason = str(error)
        if error.retryable and job.attempts < OUTBOX_MAX_ATTEMPTS:
            delay = backoff_s(job.attempts)
            log.warning(
                "outbox job %d (%s) will retry in %.0fs: %s", job.id, job.kind, delay, reason
            )
            await self._outbox.retry(job.id, reason, delay)
            self._metrics.outbox_jobs.labels(job.kind, "retry").inc()
        else:
            log.error("outbox job %d (%s) failed for good: %s", job.id, job.kind, reason)
            await self._outbox.fail(job.id, reason)
            self._metrics.outbox_jobs.labels(job.kind, "failed").inc()
