"""Appending events as the request path does and applying them as the effects stage does."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from sqlalchemy.ext.asyncio import AsyncEngine

from bot.app import event_streams
from bot.effects.stage import EffectsStage
from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.event_log import append_events, event_rows
from storage.records import Decision, InboundRecord
from storage.types import utc_now
from tagging.rules import RuleSet
from tagging.step import Tagging


def text_record(dedup_key: str = "main:m:o1:1", openid: str = "o1") -> InboundRecord:
    """A text message "价格" as the edge records it."""
    return InboundRecord(
        dedup_key=dedup_key,
        account="main",
        openid=openid,
        msg_type="text",
        event=None,
        event_key=None,
        content="价格",
        msg_id=1,
        sent_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC),
    )


async def append(
    sessions: SessionFactory, *items: tuple[InboundRecord, Decision], held: bool = False
) -> set[str]:
    """Append events in one statement; the dedup keys that were new."""
    return await append_events(engine_of(sessions), event_rows(list(items), utc_now(), held=held))


def engine_of(sessions: SessionFactory) -> AsyncEngine:
    engine = sessions.kw["bind"]
    assert isinstance(engine, AsyncEngine)
    return engine


def stage(
    sessions: SessionFactory,
    *,
    clock: Callable[[], datetime] = utc_now,
    batch_size: int = 500,
    owner: str | None = None,
) -> EffectsStage:
    """A consumer with the default tagging rules and no leads."""
    tagging = Tagging(RuleSet(), clock)
    return EffectsStage(
        sessions,
        event_streams(tagging, None),
        Metrics(),
        clock=clock,
        batch_size=batch_size,
        owner=owner,
    )


async def apply_all(sessions: SessionFactory) -> int:
    """Apply every pending event; how many were applied."""
    consumer = stage(sessions)
    try:
        return await consumer.drain()
    finally:
        await consumer.stop()
