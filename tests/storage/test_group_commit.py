"""Group commit: concurrent callbacks share one append without sharing their fate."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import replace

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import SessionFactory
from storage.group_commit import Append, GroupCommitWriter
from storage.models import InboundEvent, OutboxJob, PointEntry, Profile, ProfileTag
from storage.records import Decision, JobRequest, PointGrant, TagGrant
from tests.bot.effects.stage_helpers import apply_all, text_record


async def _count(sessions: SessionFactory, model: type[object]) -> int:
    async with sessions() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


def _decision(n: int) -> Decision:
    return Decision(
        rule="price",
        tags=(TagGrant("询价", "keyword:price"),),
        points=(PointGrant(10, "keyword:price"),),
        jobs=(JobRequest("wechat.custom_send", "main", {"n": n}, dedup_key=f"job{n}"),),
    )


@pytest.fixture
async def writer(sessions: SessionFactory) -> AsyncIterator[GroupCommitWriter]:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    writer = GroupCommitWriter(engine)
    try:
        yield writer
    finally:
        await writer.drain()  # lets its kept connection go


async def test_a_batch_is_applied_with_each_events_decision(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    stored = await asyncio.gather(
        *(
            writer.append(Append(text_record(f"k{n}", openid=f"o{n % 3}"), _decision(n)))
            for n in range(9)
        )
    )
    assert stored == [True] * 9
    assert await _count(sessions, ProfileTag) == 0  # nothing but the events yet
    assert await apply_all(sessions) == 9
    assert await _count(sessions, InboundEvent) == 9
    assert await _count(sessions, ProfileTag) == 3  # one tag per person, granted once
    assert await _count(sessions, PointEntry) == 9
    async with sessions() as session:
        kinds = list(await session.scalars(select(OutboxJob.kind).order_by(OutboxJob.kind)))
    # Nine sends; the three people's new tag is mirrored in one grouped job.
    assert kinds == ["tags.oa_sync"] + ["wechat.custom_send"] * 9
    async with sessions() as session:
        scores = sorted(await session.scalars(select(Profile.score)))
    assert scores == [30, 30, 30]


async def test_a_repeat_inside_one_batch_is_a_retry(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    item = Append(text_record("same"), _decision(1))
    assert list(await asyncio.gather(writer.append(item), writer.append(item))) == [True, False]
    await apply_all(sessions)
    assert await _count(sessions, PointEntry) == 1
    assert await _count(sessions, OutboxJob) == 2  # the send and the tag sync


async def test_concurrent_callbacks_are_written_together(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    results = await asyncio.gather(
        *(
            writer.append(Append(text_record(f"k{n}", openid=f"o{n}"), _decision(n)))
            for n in range(40)
        )
    )
    assert results == [True] * 40
    assert await _count(sessions, InboundEvent) == 40


async def test_a_bad_record_fails_alone(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    # msg_type is NOT NULL: both databases refuse this row.
    poison = replace(text_record("bad", openid="o_bad"), msg_type=None)  # type: ignore[arg-type]
    good = [
        writer.append(Append(text_record(f"ok{n}", openid=f"o{n}"), _decision(n))) for n in range(5)
    ]
    outcomes = await asyncio.gather(
        *good[:2], writer.append(Append(poison, Decision())), *good[2:], return_exceptions=True
    )
    assert [isinstance(o, BaseException) for o in outcomes] == [False, False, True] + [False] * 3
    assert await _count(sessions, InboundEvent) == 5


async def test_the_reply_is_stored_with_the_event(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    assert await writer.stored_reply("r1") is None
    await writer.append(Append(text_record("r1"), Decision(reply="<xml>hi</xml>")))
    assert await writer.stored_reply("r1") == "<xml>hi</xml>"


async def test_concurrent_lookups_each_get_their_own_reply(
    sessions: SessionFactory, writer: GroupCommitWriter
) -> None:
    for n in range(6):
        await writer.append(Append(text_record(f"s{n}"), Decision(reply=f"<xml>{n}</xml>")))
    await writer.append(Append(text_record("silent"), Decision()))  # no reply: ""
    keys = ["s3", "missing", "s0", "s3", "silent", *(f"s{n}" for n in range(6))]
    replies = await asyncio.gather(*(writer.stored_reply(key) for key in keys))
    expected = ["<xml>3</xml>", None, "<xml>0</xml>", "<xml>3</xml>", ""]
    assert replies == [*expected, *(f"<xml>{n}</xml>" for n in range(6))]
