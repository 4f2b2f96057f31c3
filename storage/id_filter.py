"""`column IN (values)` for many values, cheaply on each database."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Integer, String, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

# A profile id column; event rows have none until the effects stage resolves them.
IdColumn = InstrumentedAttribute[int] | InstrumentedAttribute[int | None]


def among(
    session: AsyncSession, ids: Sequence[int]
) -> Callable[
    [InstrumentedAttribute[int] | InstrumentedAttribute[int | None]], ColumnElement[bool]
]:
    """`column IN ids`; on PostgreSQL `= ANY(array)`: one parameter, not thousands."""
    if session.get_bind().dialect.name == "postgresql":
        values = list(ids)
        return lambda column: column == any_(literal(values, ARRAY(Integer)))
    return lambda column: column.in_(ids)


def one_of(
    connection: AsyncConnection, column: InstrumentedAttribute[Any], values: Sequence[object]
) -> ColumnElement[bool]:
    """`column IN values`; on PostgreSQL `= ANY(array)` of the column's type.

    An expanding IN renders one parameter per value into the statement at every
    execution (5 % of the effects consumer's samples in a profile), and each length
    is another prepared statement; the array is one parameter in one text.
    """
    if connection.dialect.name != "postgresql":
        return column.in_(values)
    kind = column.type
    # Unbounded: a cast to VARCHAR(n)[] would truncate a longer value into a false match.
    item = String() if isinstance(kind, String) else kind
    return column == any_(literal(list(values), ARRAY(item)))
