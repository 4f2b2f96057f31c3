"""The effects stage: exactly once, in order per person, poison set aside, lag visible."""

from __future__ import annotations

import argparse
import asyncio
import io
from collections import defaultdict
from datetime import UTC, datetime

import pytest
from sqlalchemy import func, insert, select

from bot.app import Background, create_app
from bot.app_keys import EFFECTS
from bot.cli.errors import UsageError
from bot.cli.events import run_events
from bot.config.settings import Settings
from bot.testing.wechat_player import WeChatPlayer
from storage import effect_leases as leases
from storage.database import SessionFactory
from storage.models import Identity, InboundEvent, PointEntry
from storage.pending_events import partition_of
from storage.records import Decision, InboundRecord, PointGrant
from storage.types import utc_now
from tests.bot.effects.stage_helpers import append, apply_all, stage
from tests.bot.helpers import exchange
from tests.conftest import ClientFactory


def _event(person: int, seq: int) -> tuple[InboundRecord, Decision]:
    """Event `seq` of person `person`; its points entry names its place in the order."""
    record = InboundRecord(
        dedup_key=f"main:m:o{person}:{seq}",
        account="main",
        openid=f"o{person}",
        msg_type="text",
        event=None,
        event_key=None,
        content=f"第{seq}条",
        msg_id=seq,
        sent_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
    )
    return record, Decision(rule="r", points=(PointGrant(1, f"seq:{seq:05d}"),))


async def _orders(sessions: SessionFactory) -> dict[str, list[str]]:
    """Each person's point reasons in the order they were written (ids)."""
    async with sessions() as session:
        rows = await session.execute(
            select(Identity.value, PointEntry.reason)
            .join(PointEntry, PointEntry.profile_id == Identity.profile_id)
            .order_by(PointEntry.id)
        )
        orders: dict[str, list[str]] = defaultdict(list)
        for openid, reason in rows:
            orders[openid].append(reason)
        return orders


async def test_a_small_batch_size_still_applies_every_event_once_in_order(
    sessions: SessionFactory,
) -> None:
    events = [_event(person, seq) for seq in range(30) for person in range(7)]
    await append(sessions, *events)
    consumer = stage(sessions, batch_size=16)
    assert await consumer.drain() == len(events)
    await consumer.stop()
    orders = await _orders(sessions)
    assert len(orders) == 7
    for reasons in orders.values():
        assert reasons == [f"seq:{seq:05d}" for seq in range(30)]


@pytest.mark.shared_services
async def test_two_consumers_share_the_backlog_each_event_once_in_order_per_person(
    sessions: SessionFactory,
) -> None:
    events = [_event(person, seq) for seq in range(40) for person in range(50)]
    await append(sessions, *events)
    first = stage(sessions, batch_size=100, owner="consumer-a")
    second = stage(sessions, batch_size=100, owner="consumer-b")
    async with sessions.begin() as session:
        # Both are alive before either takes leases, so each takes its half.
        for owner in (first.owner, second.owner):
            await leases.heartbeat(session, owner, utc_now(), stale_s=60)
    counts = await asyncio.gather(first.drain(), second.drain())
    await first.stop()
    await second.stop()
    assert sum(counts) == len(events)
    assert min(counts) > 0, counts  # both did part of the work
    orders = await _orders(sessions)
    assert sorted(orders) == sorted(f"o{p}" for p in range(50))
    for reasons in orders.values():
        assert reasons == [f"seq:{seq:05d}" for seq in range(40)]


async def test_a_poison_event_is_set_aside_and_the_others_flow(sessions: SessionFactory) -> None:
    good = [_event(person, seq) for seq in range(3) for person in range(4)]
    await append(sessions, *good[:6])
    async with sessions.begin() as session:
        # A decision the stage cannot apply (a tag grant missing its source).
        await session.execute(
            insert(InboundEvent).values(
                dedup_key="main:m:o0:poison",
                account="main",
                openid="o0",
                partition=partition_of("main", "o0"),
                msg_type="text",
                content="毒",
                sent_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
                received_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
                decision='{"tags": [["only-a-name"]]}',
            )
        )
    await append(sessions, *good[6:])
    consumer = stage(sessions)
    for _ in range(5):
        await consumer.run_once()
    await consumer.stop()
    async with sessions() as session:
        states = dict(
            (
                await session.execute(
                    select(InboundEvent.effects_state, func.count()).group_by(
                        InboundEvent.effects_state
                    )
                )
            ).all()
        )
        poison = await session.scalar(
            select(InboundEvent).where(InboundEvent.dedup_key == "main:m:o0:poison")
        )
    assert states == {"applied": len(good), "failed": 1}
    assert poison is not None
    assert poison.effects_attempts == 3
    assert poison.effects_error is not None and "TypeError" in poison.effects_error
    # The person's later events waited for the verdict, then went on in order.
    assert (await _orders(sessions))["o0"] == ["seq:00000", "seq:00001", "seq:00002"]


async def test_failed_events_are_listed_and_a_retry_queues_one_again(
    sessions: SessionFactory, settings: Settings
) -> None:
    await append(sessions, _event(1, 1))
    async with sessions.begin() as session:
        event = await session.scalar(select(InboundEvent))
        assert event is not None
        event.effects_state, event.effects_attempts = "failed", 3
        event.effects_error = "KeyError: 'x'"
        event_id = event.id
    listing = io.StringIO()
    args = _namespace(events_command="failed")
    assert await run_events(settings, args, listing) == 0
    assert f"wechat #{event_id}" in listing.getvalue()
    assert "KeyError: 'x'" in listing.getvalue()
    retry = _namespace(events_command="retry", id=event_id, wecom=False)
    assert await run_events(settings, retry, io.StringIO()) == 0
    with pytest.raises(UsageError, match=f"no failed event #{event_id}"):  # no longer failed
        await run_events(settings, retry, io.StringIO())
    assert await apply_all(sessions) == 1


def _namespace(**values: object) -> argparse.Namespace:
    return argparse.Namespace(**values)


async def test_the_lag_gauges_and_healthz_show_the_backlog_then_drain(
    settings: Settings, aiohttp_client: ClientFactory, player: WeChatPlayer
) -> None:
    bot = await aiohttp_client(create_app(settings, background=Background.nothing()))
    for n in range(5):
        await exchange(bot, player, player.text(f"o_lag{n}", "价格"))
    metrics = await (await bot.get("/metrics")).text()
    assert "wxbot_effects_backlog 5.0" in metrics
    health = await (await bot.get("/healthz")).json()
    assert health["status"] == "ok" and health["effects"]["backlog"] == 5
    assert await bot.app[EFFECTS].drain() == 5
    metrics = await (await bot.get("/metrics")).text()
    assert "wxbot_effects_backlog 0.0" in metrics
    assert "wxbot_effects_lag_seconds 0.0" in metrics
    assert (await (await bot.get("/healthz")).json())["effects"]["backlog"] == 0
