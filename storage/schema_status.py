"""Whether a database's schema is at the newest migrations (for `wxbot doctor`)."""

from __future__ import annotations

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from storage.database import MIGRATIONS


def _applied(connection: Connection) -> set[str]:
    return set(MigrationContext.configure(connection).get_current_heads())


async def schema_heads(engine: AsyncEngine) -> tuple[set[str], set[str]]:
    """(applied heads, heads the code ships): equal when the schema is current."""
    async with engine.connect() as connection:
        applied = await connection.run_sync(_applied)
    shipped = set(ScriptDirectory(str(MIGRATIONS)).get_heads())
    return applied, shipped
