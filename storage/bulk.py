"""Many rows in one statement: the effects stage's inserts and per-row updates.

A list of parameter sets given to `execute` is an executemany: on PostgreSQL,
asyncpg sends one Bind/Execute per row and the server starts an executor for
each, ~20–50 µs a row (bench/effects_sql.py). Here, on PostgreSQL, the rows go as
one array per column and one statement reads them with `unnest`: one execution,
one plan, and a statement text that does not change with the number of rows (so
it stays prepared; it does with which columns are constant, `_arrays`: a few texts
per table). SQLite runs in the process, where a row costs a few µs: it
keeps the executemany.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Row, Table, bindparam, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.dml import Insert
from sqlalchemy.types import TypeEngine

from storage.models import Base

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
) -> tuple[dict[str, ColumnElement[Any]], dict[str, object]]:
    """One column of the source per name, and their parameters.

    A column with one value in every row (the batch's time, a grant's reason) is one
    parameter, not an array: SQLAlchemy processes and asyncpg type-checks and encodes
    each element of an array (the largest item of the consumer's CPU profile), and
    PostgreSQL unnests it. The varying columns are unnested (zipped by PostgreSQL:
    same length); one stays an array whatever, so identical rows remain as many rows.
    """
    values = {name: [row[name] for row in rows] for name in types}
    constant = {name for name, column in values.items() if column.count(column[0]) == len(column)}
    if constant == set(types) and len(rows) > 1:
        constant.discard(next(iter(types)))
    columns: dict[str, ColumnElement[Any]] = {
        name: (
            bindparam(f"{prefix}{name}", type_=kind)
            if name in constant
            else func.unnest(bindparam(f"{prefix}{name}", type_=ARRAY(kind)))
        ).label(name)
        for name, kind in types.items()
    }
    params = {
        f"{prefix}{name}": column[0] if name in constant else column
        for name, column in values.items()
    }
    return columns, params


async def insert_rows(
    connection: AsyncConnection,
    model: type[Base] | Table,
    rows: Rows,
    constants: Mapping[str, object] | None = None,
) -> None:
    """Insert `rows` (every row with the same keys), plus `constants` in each row."""
    if rows:
        await connection.execute(*_insert(connection, _table(model), rows, constants or {}))


async def insert_new_rows(
    connection: AsyncConnection,
    model: type[Base] | Table,
    rows: Rows,
    constants: Mapping[str, object] | None = None,
    *,
    unique: Sequence[str],
    returning: Sequence[str],
) -> list[Row[Any]]:
    """Insert the `rows` whose `unique` columns are not taken yet (plus `constants` in
    each); `returning` of those inserted, in no particular order."""
    if not rows:
        return []
    table = _table(model)
    statement, params = _insert(connection, table, rows, constants or {}, unique)
    result = await connection.execute(
        statement.returning(*(table.c[name] for name in returning)), params
    )
    return list(result)


def _insert(
    connection: AsyncConnection,
    table: Table,
    rows: Rows,
    constants: Mapping[str, object],
    unique: Sequence[str] = (),
) -> tuple[Insert, dict[str, object] | list[dict[str, object]]]:
    """The statement and its parameters: one set of arrays, or an executemany on SQLite."""
    postgres = connection.dialect.name == "postgresql"
    statement = (postgresql.insert if postgres else sqlite.insert)(table)
    if unique:
        statement = statement.on_conflict_do_nothing(index_elements=list(unique))
    if not postgres:
        return statement, [{**row, **constants} for row in rows]
    names = list(rows[0])
    columns, arrays = _arrays(rows, _types(table, names, {}), "a_")
    fixed = [
        bindparam(f"c_{name}", value, type_=table.c[name].type) for name, value in constants.items()
    ]
    source = select(*columns.values(), *fixed)
    return statement.from_select([*names, *constants], source), arrays


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
