"""Keyword tables on the ops-table versions (`storage.tables.versions`), kind "keywords".

Keyword callers speak of accounts, rule counts and CSV text; this maps those
words onto the generic versions, and nothing more.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from storage.database import SessionFactory
from storage.tables import versions
from storage.types import utc_now

KIND = "keywords"
SHARED_ACCOUNT = "*"  # the table whose rules apply to every account (no account name has "*")


@dataclass(frozen=True)
class VersionInfo:
    """A published keyword table without its text (for history lists)."""

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
    action: str = "publish"
    changes: Mapping[str, object] = field(default_factory=dict)
    from_version: int | None = None


def _info(version: versions.Version) -> VersionInfo:
    return VersionInfo(
        id=version.number,
        account=version.scope,
        rule_count=version.item_count,
        created_by=version.created_by,
        created_at=version.created_at,
        summary=version.summary,
        note=version.note,
        active=version.active,
    )


def _stored(found: versions.StoredVersion | None) -> StoredTable | None:
    return None if found is None else StoredTable(_info(found.version), found.body)


async def publish_version(
    sessions: SessionFactory, version: NewVersion, *, clock: Callable[[], datetime] = utc_now
) -> VersionInfo:
    """Store `version` as the account's live table (audited); see `versions.publish_version`."""
    new = versions.NewVersion(
        kind=KIND,
        scope=version.account,
        body=version.table_csv,
        item_count=version.rule_count,
        created_by=version.created_by,
        summary=version.summary,
        note=version.note,
        action=version.action,
        changes=version.changes,
        from_version=version.from_version,
    )
    return _info(await versions.publish_version(sessions, new, clock=clock))


async def get_version(sessions: SessionFactory, version_id: int) -> StoredTable | None:
    """One version with its table, live or not."""
    return _stored(await versions.get_version(sessions, KIND, version_id))


async def active_table(sessions: SessionFactory, account: str) -> StoredTable | None:
    """The account's live table, or None while nothing was published for it."""
    return _stored(await versions.live_version(sessions, KIND, account))


async def active_version_ids(sessions: SessionFactory) -> Mapping[str, int]:
    """Account → live version: the cheap query every process polls."""
    return await versions.live_numbers(sessions, KIND)


async def list_versions(
    sessions: SessionFactory, account: str | None = None, limit: int = 50
) -> list[VersionInfo]:
    """The newest versions first, of one account or all."""
    return [_info(v) for v in await versions.list_versions(sessions, KIND, account, limit)]
