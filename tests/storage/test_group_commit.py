"""Group commit: concurrent callbacks share transactions without sharing their fate."""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from storage.database import SessionFactory
from storage.event_log import record_interactions
from storage.group_commit import GroupCommitWriter
from storage.interactions import Effects, JobRequest, PointGrant, TagGrant
from storage.models import InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag
from tests.storage.test_interactions import _record


async def _count(sessions: SessionFactory, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _effects(n: int) -> Effects:
    return Effects(
        rule="price",
        tags=(TagGrant("询价", "keyword:price"),),
        points=(PointGrant(10, "keyword:price"),),
        jobs=(JobRequest("wechat.custom_send", "main", {"n": n}, dedup_key=f"job{n}"),),
    )


async def test_a_batch_stores_each_record_with_its_effects(sessions: SessionFactory) -> None:
    batch = [(_record(f"k{n}", openid=f"o{n % 3}"), _effects(n)) for n in range(9)]
    results = await record_interactions(sessions, batch)
    assert all(result is not None for result in results)
    assert len(set(results)) == 3  # three people
    assert await _count(sessions, InboundEvent) == 9
    assert await _count(sessions, ProfileTag) == 3  # one tag per person, granted once
    assert await _count(sessions, PointEntry) == 9
    assert await _count(sessions, OutboxJob) == 9
    async with sessions() as session:
        scores = sorted(await session.scalars(select(Profile.score)))
    assert scores == [30, 30, 30]


async def test_a_repeat_inside_one_batch_is_a_retry(sessions: SessionFactory) -> None:
    record = _record("same")
    results = await record_interactions(sessions, [(record, _effects(1)), (record, _effects(1))])
    assert results[0] is not None and results[1] is None
    assert await _count(sessions, PointEntry) == 1
    assert await _count(sessions, OutboxJob) == 1


async def test_concurrent_callbacks_are_written_together(sessions: SessionFactory) -> None:
    writer = GroupCommitWriter(sessions)
    results = await asyncio.gather(
        *(writer.record(_record(f"k{n}", openid=f"o{n}"), _effects(n)) for n in range(40))
    )
    assert None not in results
    assert await _count(sessions, InboundEvent) == 40


async def test_a_bad_record_fails_alone(sessions: SessionFactory) -> None:
    writer = GroupCommitWriter(sessions)
    # msg_type is NOT NULL: both databases refuse this row.
    poison = replace(_record("bad", openid="o_bad"), msg_type=None)  # type: ignore[arg-type]
    good = [writer.record(_record(f"ok{n}", openid=f"o{n}"), _effects(n)) for n in range(5)]
    outcomes = await asyncio.gather(
        *good[:2], writer.record(poison, Effects()), *good[2:], return_exceptions=True
    )
    assert [isinstance(o, BaseException) for o in outcomes] == [False, False, True] + [False] * 3
    assert await _count(sessions, InboundEvent) == 5


@pytest.mark.parametrize("size", [1, 7])
async def test_record_interactions_returns_one_result_per_record(
    sessions: SessionFactory, size: int
) -> None:
    batch = [(_record(f"r{n}"), Effects()) for n in range(size)]
    assert len(await record_interactions(sessions, batch)) == size
