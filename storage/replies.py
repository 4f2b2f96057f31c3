"""The reply stored with a callback's event: what WeChat's and WeCom's retries get again."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.lead_models import WeComEvent
from storage.models import InboundEvent


async def stored_reply(
    session: AsyncSession, events: type[InboundEvent] | type[WeComEvent], dedup_key: str
) -> str | None:
    """The reply sent for the event `dedup_key` ("" for none); None while no event has that key."""
    return await session.scalar(
        select(func.coalesce(events.reply, "")).where(events.dedup_key == dedup_key)
    )
