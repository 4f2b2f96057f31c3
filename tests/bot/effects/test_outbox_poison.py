"""A job whose executor raises anything is counted, backed off, recorded and failed at the limit."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

from sqlalchemy import select

from bot.effects.limits import OUTBOX_MAX_ATTEMPTS, OUTBOX_MAX_BACKOFF_S
from bot.effects.outbox_worker import OutboxWorker
from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.models import OutboxJob
from storage.outbox import Outbox
from storage.records import JobRequest
from tests.storage.test_outbox import Clock


async def _poison(target: str, payload: Mapping[str, object]) -> None:
    _ = payload["missing"]  # a payload without the field: KeyError, not ApiError


async def test_a_poison_job_fails_for_good_after_the_limit_with_its_traceback(
    sessions: SessionFactory,
) -> None:
    clock = Clock()
    outbox = Outbox(sessions, clock)
    delivered: list[object] = []

    async def fine(target: str, payload: Mapping[str, object]) -> None:
        delivered.append(payload["n"])

    worker = OutboxWorker(outbox, {"poison": _poison, "fine": fine}, Metrics())
    await outbox.enqueue([JobRequest("poison", "main", {}), JobRequest("fine", "main", {"n": 1})])
    rounds = 0
    while await worker.run_once():
        rounds += 1
        clock.now += timedelta(seconds=OUTBOX_MAX_BACKOFF_S + 1)
        assert rounds <= OUTBOX_MAX_ATTEMPTS, "the poison job came back past the limit"
    assert delivered == [1]  # the round the poison job was in carried on
    async with sessions() as session:
        job = (await session.scalars(select(OutboxJob).where(OutboxJob.kind == "poison"))).one()
    assert (job.status, job.attempts) == ("failed", OUTBOX_MAX_ATTEMPTS)
    assert job.last_error is not None
    assert job.last_error.startswith("KeyError: 'missing' at ")
    assert "test_outbox_poison.py" in job.last_error and "_poison" in job.last_error


async def test_a_raising_executor_backs_off_like_an_api_error(sessions: SessionFactory) -> None:
    clock = Clock()
    outbox = Outbox(sessions, clock)
    worker = OutboxWorker(outbox, {"poison": _poison}, Metrics())
    await outbox.enqueue([JobRequest("poison", "main", {})])
    assert await worker.run_once() == 1
    assert await worker.run_once() == 0  # backing off, not retried at once
    clock.now += timedelta(seconds=3)
    assert await worker.run_once() == 1
    assert await outbox.counts() == {"pending": 1}
