"""`column IN (ids)` for many ids, cheaply on each database."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import ColumnElement, Integer, any_, literal
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
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
