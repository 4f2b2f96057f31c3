"""Many rows in one statement: the effects stage's inserts and per-row updates.

A list of parameter sets given to `execute` is an executemany: on PostgreSQL,
asyncpg sends one Bind/Execute per row and the server starts an executor for
each, ~20–50 µs a row (bench/effects_sql.py). Here, on PostgreSQL, the rows go as
one array per column and one statement reads them with `unnest`: one execution,
one plan, and a statement text that does not change with the number of rows (so
it stays prepared). SQLite runs in the process, where a row costs a few µs: it
keeps the executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, Table, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.types import TypeEngine

from storage.models import Base
from storage.upsert import insert_or_skip

Rows = Sequence[Mapping[str, object]]
# Builds the SET clause from the rows' columns (a column of the source per name).
Values = Callable[[Mapping[str, ColumnElement[Any]]], Mapping[str, Any]]


def _table(model: type[Base] | Table) -> Table:
    table = model if isinstance(model, Table) else model.__table__
    if not isinstance(table, Table):
        raise TypeError(f"{model!r} is not a table")
    return table


def _types(
    table: Table, names: Sequence[str], extra: Mapping[str, TypeEngine[Any]]
) -> dict[str, TypeEngine[Any]]:
    return {name: extra[name] if name in extra else table.c[name].type for name in names}


def _arrays(
    rows: Rows, types: Mapping[str, TypeEngine[Any]], prefix: str
) -> tuple[dict[str, ColumnElement[Any]], dict[str, list[object]]]:
    """One unnest per column (zipped by PostgreSQL: same length), and their arrays."""
    columns: dict[str, ColumnElement[Any]] = {
        name: func.unnest(bindparam(f"{prefix}{name}", type_=ARRAY(kind))).label(name)
        for name, kind in types.items()
    }
    arrays = {f"{prefix}{name}": [row[name] for row in rows] for name in types}
    return columns, arrays


def _source(
    table: Table, rows: Rows, constants: Mapping[str, object]
) -> tuple[list[str], Select[Any], dict[str, list[object]]]:
    """The columns written, a SELECT yielding the rows (constants in each), its arrays."""
    names = list(rows[0])
    columns, arrays = _arrays(rows, _types(table, names, {}), "a_")
    fixed = [
        bindparam(f"c_{name}", value, type_=table.c[name].type) for name, value in constants.items()
    ]
    return [*names, *constants], select(*columns.values(), *fixed), arrays


async def insert_rows(
    connection: AsyncConnection,
    model: type[Base] | Table,
    rows: Rows,
    constants: Mapping[str, object] | None = None,
) -> None:
    """Insert `rows` (every row with the same keys), plus `constants` in each row."""
    if not rows:
        return
    table, constants = _table(model), dict(constants or {})
    if connection.dialect.name != "postgresql":
        await connection.execute(insert(table), [{**row, **constants} for row in rows])
        return
    names, source, arrays = _source(table, rows, constants)
    await connection.execute(insert(table).from_select(names, source), arrays)


async def insert_new_rows(
    connection: AsyncConnection,
    model: type[Base] | Table,
    rows: Rows,
    constants: Mapping[str, object] | None = None,
    *,
    conflict_columns: Sequence[str],
    returning: Sequence[ColumnElement[Any] | InstrumentedAttribute[Any]],
) -> list[tuple[Any, ...]]:
    """Insert the rows whose `conflict_columns` are free, skip the others; `returning`
    of each row inserted (in no particular order)."""
    if not rows:
        return []
    table, constants = _table(model), dict(constants or {})
    if connection.dialect.name != "postgresql":
        statement = insert_or_skip(connection, table, conflict_columns).returning(*returning)
        found = await connection.execute(statement, [{**row, **constants} for row in rows])
        return [tuple(row) for row in found]
    names, source, arrays = _source(table, rows, constants)
    statement = (
        postgresql.insert(table)
        .from_select(names, source)
        .on_conflict_do_nothing(index_elements=list(conflict_columns))
        .returning(*returning)
    )
    return [tuple(row) for row in await connection.execute(statement, arrays)]


async def update_rows(
    connection: AsyncConnection,
    model: type[Base] | Table,
    key: str,
    rows: Rows,
    values: Values,
    *,
    types: Mapping[str, TypeEngine[Any]] | None = None,
) -> None:
    """Update the row whose `key` equals each row's `key`, with `values(source)`.

    `rows` all have the same keys; a key that is not a column of the table
    needs its type in `types` (e.g. a delta added to a column).
    """
    if not rows:
        return
    table = _table(model)
    kinds = _types(table, list(rows[0]), types or {})
    if connection.dialect.name != "postgresql":
        params = {name: bindparam(f"r_{name}", type_=kind) for name, kind in kinds.items()}
        statement = update(table).where(table.c[key] == params[key]).values(values(params))
        await connection.execute(
            statement, [{f"r_{name}": row[name] for name in kinds} for row in rows]
        )
        return
    columns, arrays = _arrays(rows, kinds, "a_")
    source = select(*columns.values()).subquery("source")
    sourced = {name: source.c[name] for name in kinds}
    statement = update(table).where(table.c[key] == sourced[key]).values(values(sourced))
    await connection.execute(statement, arrays)
