"""The repository of published ops tables: publish, look up, list, find what is live.

Every publish (rollback included) is audited in its own transaction with who,
when and what (`storage.admin_users.add_audit`), whichever door it came through:
the CLI, the admin site or the admin JSON API.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import defer

from storage.admin_users import add_audit
from storage.database import SessionFactory
from storage.locks import take_turns
from storage.tables.models import TableVersion
from storage.types import utc_now


@dataclass(frozen=True)
class Version:
    """A published version without its body (for history lists)."""

    kind: str
    scope: str
    number: int
    item_count: int
    created_by: str
    created_at: datetime
    summary: str
    note: str
    active: bool


@dataclass(frozen=True)
class StoredVersion:
    """A version and its body."""

    version: Version
    body: str


@dataclass(frozen=True)
class NewVersion:
    """What `publish_version` stores; `action` names it in the audit log (publish, rollback).

    `changes` (JSON-able: the names added, removed, changed) and `from_version` (the
    version a rollback brings back) go into the audit entry, for the site to put in words.
    """

    kind: str
    scope: str
    body: str
    item_count: int
    created_by: str
    summary: str
    note: str = ""
    action: str = "publish"
    changes: Mapping[str, object] = field(default_factory=dict)
    from_version: int | None = None


def _version(row: TableVersion) -> Version:
    return Version(
        kind=row.kind,
        scope=row.scope,
        number=row.number,
        item_count=row.item_count,
        created_by=row.created_by,
        created_at=row.created_at,
        summary=row.summary,
        note=row.note,
        active=row.active,
    )


_PUBLISH_ATTEMPTS = 3


async def publish_version(
    sessions: SessionFactory, new: NewVersion, *, clock: Callable[[], datetime] = utc_now
) -> Version:
    """Store `new` as the live version of its kind and scope, retiring the previous one.

    Two publishes racing collide on the one-live-version index (or on the version
    number); the loser simply runs again on top of the winner (last writer wins, as
    in a file).
    """
    for _ in range(_PUBLISH_ATTEMPTS - 1):
        try:
            return await _publish_once(sessions, new, clock())
        except IntegrityError:
            continue
    return await _publish_once(sessions, new, clock())


async def _publish_once(sessions: SessionFactory, new: NewVersion, at: datetime) -> Version:
    async with sessions.begin() as session:
        # Publishes of one kind take turns: each reads the live version and the last
        # number, then writes the next, which two at once would both claim.
        await take_turns(session, new.kind)
        await session.execute(
            update(TableVersion)
            .where(
                TableVersion.kind == new.kind,
                TableVersion.scope == new.scope,
                TableVersion.active.is_(True),
            )
            .values(active=False)
        )
        last = await session.scalar(
            select(func.max(TableVersion.number)).where(TableVersion.kind == new.kind)
        )
        row = TableVersion(
            kind=new.kind,
            scope=new.scope,
            number=(last or 0) + 1,
            body=new.body,
            item_count=new.item_count,
            created_by=new.created_by[:64],
            created_at=at,
            summary=new.summary,
            note=new.note[:256],
            active=True,
        )
        session.add(row)
        await session.flush()
        detail: dict[str, object] = {"version": row.number, "summary": new.summary}
        detail.update(new.changes)
        if new.from_version is not None:
            detail["from_version"] = new.from_version
        if new.note:
            detail["note"] = new.note
        add_audit(
            session,
            actor=new.created_by,
            action=f"{new.kind}.{new.action}",
            target=new.scope,
            detail=json.dumps(detail, ensure_ascii=False),
            at=at,
        )
        return _version(row)


async def get_version(sessions: SessionFactory, kind: str, number: int) -> StoredVersion | None:
    """One version of `kind` with its body, live or not."""
    async with sessions() as session:
        row = await session.scalar(
            select(TableVersion).where(TableVersion.kind == kind, TableVersion.number == number)
        )
        return None if row is None else StoredVersion(_version(row), row.body)


async def live_version(sessions: SessionFactory, kind: str, scope: str) -> StoredVersion | None:
    """The live version of one kind and scope, or None while nothing was published."""
    async with sessions() as session:
        row = await session.scalar(
            select(TableVersion).where(
                TableVersion.kind == kind,
                TableVersion.scope == scope,
                TableVersion.active.is_(True),
            )
        )
        return None if row is None else StoredVersion(_version(row), row.body)


async def live_numbers(sessions: SessionFactory, kind: str) -> Mapping[str, int]:
    """Scope → live version number of one kind: the cheap query every process polls."""
    async with sessions() as session:
        rows = await session.execute(
            select(TableVersion.scope, TableVersion.number).where(
                TableVersion.kind == kind, TableVersion.active.is_(True)
            )
        )
        return {str(scope): int(number) for scope, number in rows.all()}


async def list_versions(
    sessions: SessionFactory, kind: str, scope: str | None = None, limit: int = 50
) -> list[Version]:
    """The newest versions of `kind` first, of one scope or all."""
    query = (
        select(TableVersion)
        .options(defer(TableVersion.body))  # bodies can be megabytes; lists need none
        .where(TableVersion.kind == kind)
        .order_by(TableVersion.number.desc())
        .limit(limit)
    )
    if scope is not None:
        query = query.where(TableVersion.scope == scope)
    async with sessions() as session:
        return [_version(row) for row in await session.scalars(query)]
