"""OneID's first step: the profile behind an identity, created on first sight, many at once."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.id_filter import one_of
from storage.models import Identity, Profile
from storage.upsert import insert_or_skip


async def resolve_profile(
    session: AsyncSession, kind: str, app: str, value: str, at: datetime
) -> int:
    """The profile id behind an identity, creating both on first sight."""
    return (await resolve_profiles(session, kind, [(app, value)], at))[(app, value)]


async def resolve_profiles(
    session: AsyncSession, kind: str, wanted: Collection[tuple[str, str]], at: datetime
) -> dict[tuple[str, str], int]:
    """Profile ids by (app, value) of `kind` identities, creating the ones never seen.

    A few statements whatever the number: the effects stage resolves a whole
    batch of events at once.
    """
    connection = await session.connection()
    found = await _identity_profiles(connection, kind, wanted)
    missing = sorted(set(wanted) - found.keys())
    if not missing:
        return found
    new_profiles = await connection.execute(
        insert(Profile).returning(Profile.id, sort_by_parameter_order=True),
        [{"score": 0, "created_at": at, "updated_at": at}] * len(missing),
    )
    candidates = dict(zip(missing, new_profiles.scalars(), strict=True))
    created = await connection.execute(
        insert_or_skip(connection, Identity, ("kind", "app", "value")).returning(
            Identity.app, Identity.value, Identity.profile_id
        ),
        [
            {
                "profile_id": profile_id,
                "kind": kind,
                "app": app,
                "value": value,
                "created_at": at,
                "last_seen_at": at,
                "subscribed": True,
            }
            for (app, value), profile_id in candidates.items()
        ],
    )
    found.update({(app, value): profile_id for app, value, profile_id in created})
    lost = [key for key in missing if key not in found]
    if lost:
        # Another request created these identities between our select and insert.
        orphans = [candidates[key] for key in lost]
        await connection.execute(delete(Profile).where(Profile.id.in_(orphans)))
        found.update(await _identity_profiles(connection, kind, lost))
        if any(key not in found for key in lost):
            raise RuntimeError(f"{kind} identities vanished during creation")
    return found


async def _identity_profiles(
    connection: AsyncConnection, kind: str, keys: Collection[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    # By value alone, kind and app checked here: once PostgreSQL switches a prepared
    # statement to its generic plan (the sixth run), `kind = $1 AND app = $2 AND value
    # IN (…)` scanned every identity of the app and filtered the values one by one
    # (~0.2 ms per wanted pair at 6 000 people); on the value index alone it is an
    # index lookup per value, whatever the plan (bench/effects_sql.py).
    wanted = set(keys)
    rows = await connection.execute(
        select(Identity.kind, Identity.app, Identity.value, Identity.profile_id).where(
            one_of(connection, Identity.value, sorted({value for _, value in wanted}))
        )
    )
    return {
        (app, value): profile_id
        for found_kind, app, value, profile_id in rows
        if found_kind == kind and (app, value) in wanted
    }
