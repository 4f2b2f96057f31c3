"""The durable outbox: claims, leases, retries; concurrent workers never share a job."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from storage.database import SessionFactory
from storage.outbox import Outbox
from storage.records import JobRequest


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2026, 11, 23, 8, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _jobs(count: int) -> list[JobRequest]:
    return [JobRequest("wechat.custom_send", "main", {"n": n}) for n in range(count)]


async def test_claimed_jobs_are_leased_and_not_claimed_again(sessions: SessionFactory) -> None:
    clock = Clock()
    outbox = Outbox(sessions, clock)
    await outbox.enqueue(_jobs(3))
    first = await outbox.claim(10, lease_s=60)
    assert [job.payload for job in first] == [{"n": 0}, {"n": 1}, {"n": 2}]
    assert all(job.attempts == 1 for job in first)
    assert await outbox.claim(10, lease_s=60) == []


async def test_an_expired_lease_is_claimed_again(sessions: SessionFactory) -> None:
    clock = Clock()
    outbox = Outbox(sessions, clock)
    await outbox.enqueue(_jobs(1))
    await outbox.claim(10, lease_s=60)
    clock.now += timedelta(seconds=61)
    again = await outbox.claim(10, lease_s=60)
    assert [job.attempts for job in again] == [2]


async def test_retry_waits_for_its_delay_and_done_jobs_stay_done(sessions: SessionFactory) -> None:
    clock = Clock()
    outbox = Outbox(sessions, clock)
    await outbox.enqueue(_jobs(2))
    first, second = await outbox.claim(10, lease_s=60)
    await outbox.complete([first.id])
    await outbox.retry(second.id, "errcode -1", delay_s=30)
    assert await outbox.claim(10, lease_s=60) == []
    clock.now += timedelta(seconds=31)
    assert [job.id for job in await outbox.claim(10, lease_s=60)] == [second.id]
    assert await outbox.counts() == {"done": 1, "pending": 1}


async def test_failed_jobs_keep_their_reason(sessions: SessionFactory) -> None:
    outbox = Outbox(sessions, Clock())
    await outbox.enqueue(_jobs(1))
    (job,) = await outbox.claim(1, lease_s=60)
    await outbox.fail(job.id, "errcode 45015: out of window")
    assert await outbox.counts() == {"failed": 1}
    assert await outbox.claim(1, lease_s=60) == []


async def test_concurrent_claimers_never_get_the_same_job(sessions: SessionFactory) -> None:
    outbox = Outbox(sessions, Clock())
    await outbox.enqueue(_jobs(60))
    batches = await asyncio.gather(*(outbox.claim(7, lease_s=60) for _ in range(12)))
    claimed = [job.id for batch in batches for job in batch]
    assert len(claimed) == len(set(claimed)) == 60
