"""The repository of published keyword tables: publish, look up, list, find what is live.

Tables are stored as CSV text; parsing and diffing belong to the caller, so storage
stays free of the keywords package.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import defer

from storage.database import SessionFactory
from storage.keyword_models import KeywordVersion
from storage.types import utc_now


@dataclass(frozen=True)
class VersionInfo:
    """A published version without its table text (for history lists)."""

    id: int
    account: str
    rule_count: int
    created_by: str
    created_at: datetime
    summary: str
    note: str
    active: bool


@dataclass(frozen=True)
class StoredTable:
    """A version and its table as CSV text."""

    info: VersionInfo
    table_csv: str


@dataclass(frozen=True)
class NewVersion:
    """What `publish_version` stores."""

    account: str
    table_csv: str
    rule_count: int
    created_by: str
    summary: str
    note: str = ""


def _info(row: KeywordVersion) -> VersionInfo:
    return VersionInfo(
        id=row.id,
        account=row.account,
        rule_count=row.rule_count,
        created_by=row.created_by,
        created_at=row.created_at,
        summary=row.summary,
        note=row.note,
        active=row.active,
    )


_PUBLISH_ATTEMPTS = 3
# Told of the stored version inside its transaction (the audit record commits with it).
OnStored = Callable[[AsyncSession, VersionInfo], None]


async def publish_version(
    sessions: SessionFactory,
    version: NewVersion,
    *,
    clock: Callable[[], datetime] = utc_now,
    on_stored: OnStored | None = None,
) -> VersionInfo:
    """Store `version` as the account's live table, retiring the previous one atomically.

    Two publishes racing for one account collide on the one-live-version index; the
    loser simply runs again on top of the winner (last writer wins, as in a file).
    """
    for _ in range(_PUBLISH_ATTEMPTS - 1):
        try:
            return await _publish_once(sessions, version, clock(), on_stored)
        except IntegrityError:
            continue
    return await _publish_once(sessions, version, clock(), on_stored)


async def _publish_once(
    sessions: SessionFactory, version: NewVersion, at: datetime, on_stored: OnStored | None
) -> VersionInfo:
    async with sessions.begin() as session:
        await session.execute(
            update(KeywordVersion)
            .where(KeywordVersion.account == version.account, KeywordVersion.active.is_(True))
            .values(active=False)
        )
        row = KeywordVersion(
            account=version.account,
            table_csv=version.table_csv,
            rule_count=version.rule_count,
            created_by=version.created_by,
            created_at=at,
            summary=version.summary,
            note=version.note,
            active=True,
        )
        session.add(row)
        await session.flush()
        info = _info(row)
        if on_stored is not None:
            on_stored(session, info)
        return info


async def get_version(sessions: SessionFactory, version_id: int) -> StoredTable | None:
    """One version with its table, live or not."""
    async with sessions() as session:
        row = await session.get(KeywordVersion, version_id)
        return None if row is None else StoredTable(_info(row), row.table_csv)


async def active_table(sessions: SessionFactory, account: str) -> StoredTable | None:
    """The account's live table, or None while nothing was published for it."""
    async with sessions() as session:
        row = await session.scalar(
            select(KeywordVersion).where(
                KeywordVersion.account == account, KeywordVersion.active.is_(True)
            )
        )
        return None if row is None else StoredTable(_info(row), row.table_csv)


async def active_version_ids(sessions: SessionFactory) -> Mapping[str, int]:
    """Account → live version id: the cheap query every process polls."""
    async with sessions() as session:
        rows = await session.execute(
            select(KeywordVersion.account, KeywordVersion.id).where(KeywordVersion.active.is_(True))
        )
        return {str(account): int(version_id) for account, version_id in rows.all()}


async def list_versions(
    sessions: SessionFactory, account: str | None = None, limit: int = 50
) -> list[VersionInfo]:
    """The newest versions first, of one account or all."""
    query = (
        select(KeywordVersion)
        .options(defer(KeywordVersion.table_csv))  # tables can be megabytes; lists need none
        .order_by(KeywordVersion.id.desc())
        .limit(limit)
    )
    if account is not None:
        query = query.where(KeywordVersion.account == account)
    async with sessions() as session:
        return [_info(row) for row in await session.scalars(query)]
