"""Migration 0016 counts the leads and assignments already in the database."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.database import _alembic_config, create_engine, upgrade_schema_blocking
from tests.conftest import POSTGRES_SERVER_URL, POSTGRES_URL

BEFORE = "0015b_channel_member_profiles"
ROWS = """
INSERT INTO profiles (id, score, created_at, updated_at) VALUES
    (1, 0, '2026-01-01', '2026-01-01'), (2, 0, '2026-01-01', '2026-01-01'),
    (3, 0, '2026-01-01', '2026-01-01'), (4, 0, '2026-01-01', '2026-01-01');
INSERT INTO leads (id, profile_id, state, owner, escalation, active_at, locked, created_at) VALUES
    (1, 1, 'new', 'a', 0, '2026-01-01', false, '2026-01-01'),
    (2, 2, 'contacting', 'a', 0, '2026-01-01', false, '2026-01-01'),
    (3, 3, 'won', 'b', 0, '2026-01-01', true, '2026-01-01'),
    (4, 4, 'new', NULL, 0, '2026-01-01', false, '2026-01-01');
INSERT INTO lead_events (id, lead_id, kind, actor, owner, created_at) VALUES
    (1, 1, 'assigned', 'system', 'a', '2026-01-01'),
    (2, 3, 'assigned', 'system', 'b', '2026-01-01'),
    (3, 2, 'claimed', 'a', 'a', '2026-01-01'),
    (4, 3, 'state', 'b', 'b', '2026-01-01'),
    (5, 4, 'pooled', 'system', NULL, '2026-01-01');
"""


async def _load_after_insert(url: str) -> list[tuple[str, int, int]]:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for statement in filter(str.strip, ROWS.split(";")):
                await connection.execute(text(statement))
        await asyncio.to_thread(upgrade_schema_blocking, url)
        async with engine.connect() as connection:
            rows = await connection.execute(
                text("SELECT owner, open_leads, last_assigned FROM lead_load ORDER BY owner")
            )
            return [(str(owner), int(count), int(last)) for owner, count, last in rows]
    finally:
        await engine.dispose()


async def test_the_migration_backfills_open_leads_and_last_assignments(
    backend: tuple[str, str], tmp_path: Path
) -> None:
    if backend[0] == "sqlite":
        url = f"sqlite+aiosqlite:///{tmp_path / 'old.db'}"
        await asyncio.to_thread(command.upgrade, _alembic_config(url), BEFORE)
        found = await _load_after_insert(url)
    else:
        found = await _on_scratch_postgres()
    # a: two open leads, last assigned by the claim (3); b: a won lead, assigned at 2.
    assert found == [("a", 2, 3), ("b", 0, 2)]


async def _on_scratch_postgres() -> list[tuple[str, int, int]]:
    url = f"{POSTGRES_URL}_backfill"
    name = url.rsplit("/", 1)[1]
    server = create_engine(POSTGRES_SERVER_URL)

    async def drop(create: bool) -> None:
        async with server.connect() as connection:
            autocommit = await connection.execution_options(isolation_level="AUTOCOMMIT")
            await autocommit.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            if create:
                await autocommit.execute(text(f'CREATE DATABASE "{name}"'))

    try:
        await drop(create=True)
        await asyncio.to_thread(command.upgrade, _alembic_config(url), BEFORE)
        return await _load_after_insert(url)
    finally:
        await drop(create=False)
        await server.dispose()
