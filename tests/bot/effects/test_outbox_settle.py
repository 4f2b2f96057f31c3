"""Jobs whose calls finish together settle in one commit, with the writes they asked for."""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import event, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from bot.effects.jobs import Executor, SettleWrites
from bot.effects.outbox_worker import OutboxWorker
from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.outbox import Outbox, add_jobs
from storage.records import JobRequest
from tests.storage.test_outbox import Clock


def _recorder(calls: list[object]) -> Executor:
    """An executor that notes its call and asks for a `noted` job as its record."""

    async def send(target: str, payload: Mapping[str, object]) -> SettleWrites:
        calls.append(payload["n"])

        async def write(session: AsyncSession) -> None:
            if payload.get("broken"):
                raise RuntimeError("the record cannot be written")
            note = JobRequest("noted", target, {"n": payload["n"]}, status="skipped")
            add_jobs(session, [note], Clock()())

        return write

    return send


def _recording_worker(sessions: SessionFactory) -> tuple[Outbox, OutboxWorker, list[object]]:
    """An outbox and its worker for `send` jobs, and the calls the worker makes."""
    outbox = Outbox(sessions, Clock())
    calls: list[object] = []
    return outbox, OutboxWorker(outbox, {"send": _recorder(calls)}, Metrics()), calls


async def _jobs_of(sessions: SessionFactory, kind: str) -> list[OutboxJob]:
    async with sessions() as session:
        query = select(OutboxJob).where(OutboxJob.kind == kind).order_by(OutboxJob.id)
        return list(await session.scalars(query))


async def test_jobs_that_finish_together_settle_in_one_commit_with_their_records(
    sessions: SessionFactory,
) -> None:
    outbox, worker, calls = _recording_worker(sessions)
    await outbox.enqueue(
        [JobRequest("send", "main", {"n": n, "touser": f"u{n}"}) for n in range(5)]
    )
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    commits: list[object] = []

    def count(connection: object) -> None:
        commits.append(connection)

    event.listen(engine.sync_engine, "commit", count)
    try:
        assert await worker.run_once() == 5
    finally:
        event.remove(engine.sync_engine, "commit", count)
    assert len(commits) == 2  # the claim, then all five successes with their records
    assert len(calls) == 5 and set(calls) == set(range(5))
    assert [job.status for job in await _jobs_of(sessions, "send")] == ["done"] * 5
    assert sorted(job.payload for job in await _jobs_of(sessions, "noted")) == sorted(
        f'{{"n": {n}}}' for n in range(5)
    )


async def test_a_record_that_fails_leaves_its_job_done_with_the_reason_and_the_rest_recorded(
    sessions: SessionFactory,
) -> None:
    outbox, worker, calls = _recording_worker(sessions)
    payloads: list[dict[str, object]] = [{"n": 1}, {"n": 2, "broken": 1}, {"n": 3}]
    await outbox.enqueue([JobRequest("send", "main", payload) for payload in payloads])
    assert await worker.run_once() == 3
    assert await worker.run_once() == 0  # nothing comes back: each call was made once
    assert calls == [1, 2, 3]
    sent = await _jobs_of(sessions, "send")
    assert [job.status for job in sent] == ["done"] * 3
    assert [job.last_error is not None for job in sent] == [False, True, False]
    assert "done, not recorded: RuntimeError: the record cannot be written" in str(
        sent[1].last_error
    )
    assert [job.payload for job in await _jobs_of(sessions, "noted")] == ['{"n": 1}', '{"n": 3}']
