"""Migration 0014 moves every keyword version onto the ops-table versions, unchanged."""

from __future__ import annotations

import asyncio
from pathlib import Path

from alembic import command
from sqlalchemy import text

from storage.database import (
    _alembic_config,
    create_engine,
    create_session_factory,
)
from storage.tables.keywords import active_table, active_version_ids, list_versions
from tests.conftest import POSTGRES_SERVER_URL, POSTGRES_URL, _recreate_database

_COLUMNS = ("id", "account", "csv", "rules", "by", "summary", "note", "active")
_ROWS = [
    # id, account, csv, rules, by, summary, note, active
    (1, "main", "rule,trigger\na,text\n", 1, "alice", "1 added (a)", "v1.csv", False),
    (2, "*", "rule,trigger\nb,text\n", 1, "bob", "1 added (b)", "", True),
    (3, "main", "rule,trigger\nc,text\n", 1, "carol", "1 changed (c)", "rollback to version 1",
     True),
]  # fmt: skip


async def _insert_old_rows(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.begin() as connection:
            for row in _ROWS:
                await connection.execute(
                    text(
                        "INSERT INTO keyword_versions (id, account, table_csv, rule_count,"
                        " created_by, created_at, summary, note, active) VALUES (:id, :account,"
                        " :csv, :rules, :by, CURRENT_TIMESTAMP, :summary, :note, :active)"
                    ),
                    dict(zip(_COLUMNS, row, strict=True)),
                )
    finally:
        await engine.dispose()


async def _check_moved(url: str) -> None:
    engine = create_engine(url)
    sessions = create_session_factory(engine)
    try:
        assert dict(await active_version_ids(sessions)) == {"*": 2, "main": 3}
        history = await list_versions(sessions)
        assert [(v.id, v.account, v.created_by, v.note, v.active) for v in history] == [
            (3, "main", "carol", "rollback to version 1", True),
            (2, "*", "bob", "", True),
            (1, "main", "alice", "v1.csv", False),
        ]
        live = await active_table(sessions, "main")
        assert live is not None
        assert live.table_csv == "rule,trigger\nc,text\n"
    finally:
        await engine.dispose()


def _migrate_with_old_rows(url: str) -> None:
    config = _alembic_config(url)
    command.upgrade(config, "0004_keywords")
    command.upgrade(config, "0011_lead_grade_index")
    asyncio.run(_insert_old_rows(url))
    command.upgrade(config, "heads")
    asyncio.run(_check_moved(url))
    # And back: the keyword versions return to their own table with their ids.
    command.downgrade(config, "0011_lead_grade_index")
    command.upgrade(config, "heads")
    asyncio.run(_check_moved(url))


def test_every_keyword_version_moves_over(backend: tuple[str, str], tmp_path: Path) -> None:
    if backend[0] == "sqlite":
        _migrate_with_old_rows(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        return
    # A database of its own: the suite's shared one is already at the head.
    url = f"{POSTGRES_URL}_migration"
    asyncio.run(_recreate_database(POSTGRES_SERVER_URL, url))
    try:
        _migrate_with_old_rows(url)
    finally:
        asyncio.run(_recreate_database(POSTGRES_SERVER_URL, url, drop_only=True))
