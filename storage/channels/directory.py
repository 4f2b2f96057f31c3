"""The one writer of `channels`: names from the live table, codes from the API jobs."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from storage.channels.models import ChannelRow
from storage.database import SessionFactory
from storage.locks import take_turns

_SYNC_LOCK = "channels_directory_sync"


@dataclass(frozen=True)
class Listed:
    """What the live table says of one channel."""

    key: str
    name: str
    group: str
    cost: float | None
    enabled: bool
    qr_account: str | None
    qr_kind: str | None
    way_app: str | None


async def sync_directory(sessions: SessionFactory, listed: Sequence[Listed], at: datetime) -> None:
    """Make the directory say what the live table says; channels it no longer lists are
    disabled, not deleted (their printed codes still scan, and count under their name)."""
    wanted = {entry.key: entry for entry in listed}
    async with sessions.begin() as session:
        # Every process syncs at its start: two starting at once would both insert the
        # channels they found missing, and one would fail on the other's rows.
        await take_turns(session, _SYNC_LOCK)
        rows = {row.key: row for row in await session.scalars(select(ChannelRow))}
        for key, entry in wanted.items():
            row = rows.get(key)
            if row is None:
                row = ChannelRow(key=key, updated_at=at)
                session.add(row)
            row.name, row.group_name, row.cost = entry.name, entry.group, entry.cost
            row.enabled = entry.enabled
            row.qr_account, row.qr_kind, row.way_app = (
                entry.qr_account,
                entry.qr_kind,
                entry.way_app,
            )
            row.updated_at = at
        for key, row in rows.items():
            if key not in wanted and row.enabled:
                row.enabled, row.updated_at = False, at


async def channel_labels(session: AsyncSession, keys: Collection[str]) -> dict[str, str]:
    """Key → the name people use, for the keys that have one (one query for many)."""
    if not keys:
        return {}
    rows = await session.execute(
        select(ChannelRow.key, ChannelRow.name).where(ChannelRow.key.in_(list(keys)))
    )
    return {str(key): str(name) for key, name in rows}


async def channel_label(session: AsyncSession, key: str | None) -> str | None:
    """The channel's name, else its key as recorded (a scene no channel claims), else None."""
    if not key:
        return None
    return (await channel_labels(session, [key])).get(key, key)


async def get_channel(session: AsyncSession, key: str) -> ChannelRow | None:
    return await session.scalar(select(ChannelRow).where(ChannelRow.key == key))


async def all_channels(session: AsyncSession) -> list[ChannelRow]:
    return list(await session.scalars(select(ChannelRow).order_by(ChannelRow.key)))


async def qr_expiries(session: AsyncSession) -> dict[str, datetime | None]:
    """Key → the end of its current QR code (None: permanent), for channels with one."""
    rows = await session.execute(
        select(ChannelRow.key, ChannelRow.qr_expires_at).where(ChannelRow.qr_ticket.is_not(None))
    )
    return {str(key): expires for key, expires in rows}


async def record_qr(
    session: AsyncSession, key: str, *, ticket: str, url: str, expires_at: datetime | None,
    at: datetime,
) -> None:  # fmt: skip
    """A code `qrcode/create` made for the channel."""
    await session.execute(
        update(ChannelRow)
        .where(ChannelRow.key == key)
        .values(qr_ticket=ticket, qr_url=url, qr_expires_at=expires_at, updated_at=at)
    )


async def record_way(
    session: AsyncSession,
    key: str,
    *,
    users: Sequence[str],
    at: datetime,
    config_id: str | None = None,
    qr_url: str | None = None,
) -> None:
    """A contact way made (config_id, QR) or given new staff (`update_contact_way`)."""
    values: dict[str, object] = {"way_users": "|".join(users), "updated_at": at}
    if config_id is not None:
        values |= {"way_config_id": config_id, "way_qr_url": qr_url}
    await session.execute(update(ChannelRow).where(ChannelRow.key == key).values(**values))
