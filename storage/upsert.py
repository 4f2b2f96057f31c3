"""INSERT … ON CONFLICT DO NOTHING for both SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import Table, literal_column
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from storage.models import Base


def insert_or_skip(
    connection: AsyncConnection, table: type[Base] | Table, conflict_columns: Sequence[str]
) -> postgresql.Insert | sqlite.Insert:
    """An INSERT of `table` that skips rows whose `conflict_columns` already exist."""
    index = list(conflict_columns)
    if connection.dialect.name == "postgresql":
        return postgresql.insert(table).on_conflict_do_nothing(index_elements=index)
    return sqlite.insert(table).on_conflict_do_nothing(index_elements=index)


async def insert_unless_exists(
    session: AsyncSession,
    table: type[Base] | Table,
    values: Mapping[str, object],
    conflict_columns: Sequence[str],
) -> int | None:
    """Insert a row; its id, or None when a row with the same unique columns exists."""
    # Core on the session's connection: the ORM execution path costs more than the query.
    connection = await session.connection()
    statement = insert_or_skip(connection, table, conflict_columns).values(**values)
    # Every table of ours has an integer `id` key.
    new_id = await connection.scalar(statement.returning(literal_column("id")))
    return None if new_id is None else int(new_id)
