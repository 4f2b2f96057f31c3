"""INSERT … ON CONFLICT DO NOTHING for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Table
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncSession


async def insert_unless_exists(
    session: AsyncSession,
    table: Table,
    values: Mapping[str, object],
    conflict_columns: Sequence[str],
) -> int | None:
    """Insert a row; its id, or None when a row with the same unique columns exists."""
    # Core on the session's connection: the ORM execution path costs more than the query.
    connection = await session.connection()
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(table)
        .values(**values)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(table.c.id)
    )
    row = (await connection.execute(statement)).first()
    return None if row is None else int(row[0])
