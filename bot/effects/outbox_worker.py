"""Runs outbox jobs: claims due jobs, calls the API, settles each job.

Any number of bot processes may run a worker against the same database; the
outbox's row leases keep them from taking the same job twice.
"""

from __future__ import annotations

import asyncio
import logging
import traceback
from collections import defaultdict
from collections.abc import Mapping, Sequence

from bot.effects.jobs import Executor, SettleWrites
from bot.effects.limits import (
    OUTBOX_BATCH,
    OUTBOX_IDLE_POLL_S,
    OUTBOX_LEASE_S,
    OUTBOX_MAX_ATTEMPTS,
    OUTBOX_MAX_BACKOFF_S,
)
from bot.metrics import Metrics
from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S
from bot.runtime.periodic import Periodic
from storage.batching import Batcher
from storage.outbox import ClaimedJob, Outbox
from wxapi.errors import ApiError

log = logging.getLogger(__name__)

# A job whose call succeeded, with what it asked to write when it is settled.
_Succeeded = tuple[ClaimedJob, SettleWrites | None]


def backoff_s(attempts: int) -> float:
    """Seconds before the next try after `attempts` failed ones: 2, 4, 8… capped."""
    return float(min(OUTBOX_MAX_BACKOFF_S, 2.0**attempts))


def failure_summary(exc: BaseException, frames: int = 3) -> str:
    """`Type: message` and the innermost frames, short enough for `last_error`."""
    summary = traceback.extract_tb(exc.__traceback__)[-frames:]
    where = " > ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno} {f.name}" for f in summary)
    return f"{type(exc).__name__}: {exc} at {where}"[:2000]


class OutboxWorker:
    """Drains the outbox in the background; `wake()` after an enqueue skips the poll wait."""

    def __init__(self, outbox: Outbox, executors: Mapping[str, Executor], metrics: Metrics) -> None:
        self._outbox = outbox
        self._executors = executors
        self._metrics = metrics
        self._loop = Periodic("outbox", self._round, OUTBOX_IDLE_POLL_S)
        # Successes settle by group commit: a lone job's commit goes at once, and the
        # jobs that finish meanwhile share the next (bench/journeys.py: sends/s).
        self._completions = Batcher("outbox-settle", self._complete, OUTBOX_BATCH)

    def start(self) -> None:
        self._loop.start()

    def wake(self) -> None:
        """Look for due jobs now (after an enqueue) instead of at the next poll."""
        self._loop.wake()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _round(self) -> bool:
        # A full batch means more may be due: go again at once.
        return await self.run_once() == OUTBOX_BATCH

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

    async def _run(self, job: ClaimedJob) -> None:
        executor = self._executors.get(job.kind)
        if executor is None:
            await self._outbox.fail(job.id, f"no executor for job kind {job.kind!r}")
            self._metrics.outbox_jobs.labels(job.kind, "failed").inc()
            return
        try:
            writes = await executor(job.target, job.payload)
        except ApiError as exc:
            self._metrics.api_failures.labels(job.kind, str(exc.errcode)).inc()
            await self._settle_failure(job, str(exc), retryable=exc.retryable)
            return
        except Exception as exc:  # a poison job (bad payload, bug) must not escape the round
            # Counted, backed off and failed after the limit like an API error, with the
            # traceback's last frames kept in last_error for whoever investigates.
            await self._settle_failure(job, failure_summary(exc), retryable=True)
            return
        await self._completions.submit((job, writes))
        self._metrics.outbox_jobs.labels(job.kind, "done").inc()

    async def _complete(self, done: Sequence[_Succeeded]) -> list[Exception | None]:
        try:
            await self._outbox.complete(
                [job.id for job, _ in done], [write for _, write in done if write]
            )
        except Exception:  # one job's record broke the shared commit: settle each alone
            log.exception("settling %d outbox jobs together failed; settling each", len(done))
            return [await self._complete_alone(job, write) for job, write in done]
        return [None] * len(done)

    async def _complete_alone(
        self, job: ClaimedJob, write: SettleWrites | None
    ) -> Exception | None:
        try:
            await self._outbox.complete([job.id], [write] if write else [])
        except Exception as exc:
            if write is None:
                return exc  # the database itself is failing: the lease brings the job back
            # The call was made: running it again would repeat it. Keep the job done
            # and say what was not recorded.
            log.exception("outbox job %d (%s): the call's record failed", job.id, job.kind)
            try:
                await self._outbox.complete(
                    [job.id], note=f"done, not recorded: {failure_summary(exc)}"
                )
            except Exception as again:
                return again
        return None

    async def _settle_failure(self, job: ClaimedJob, reason: str, *, retryable: bool) -> None:
        if retryable and job.attempts < OUTBOX_MAX_ATTEMPTS:
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
