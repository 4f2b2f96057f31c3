"""The channel directory synced by processes that start at the same moment."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

from sqlalchemy import select

from storage.channels.directory import Listed, sync_directory
from storage.channels.models import ChannelRow
from storage.database import SessionFactory

AT = datetime(2026, 12, 6, 9, 0, tzinfo=UTC)


def _listed(key: str) -> Listed:
    return Listed(key=key, name=f"{key} 名", group="线下", cost=None, enabled=True,
                  qr_account="main", qr_kind="permanent", way_app=None)  # fmt: skip


async def test_processes_starting_at_once_each_sync_the_directory_without_failing(
    sessions: SessionFactory,
) -> None:
    # `serve` with a stage process (or --workers) starts its processes together, and each
    # syncs the directory at its start: without turns, both insert the missing channels
    # and one fails on the other's rows (its process then exits, and the bot with it).
    listed = [_listed(f"expo_{n}") for n in range(20)]
    await asyncio.gather(*(sync_directory(sessions, listed, AT) for _ in range(4)))
    async with sessions() as session:
        keys = sorted(await session.scalars(select(ChannelRow.key)))
    assert keys == sorted(entry.key for entry in listed)
