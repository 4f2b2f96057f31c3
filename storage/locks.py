"""Named locks that serialise one kind of write across every process of the bot."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession


async def take_turns(session: AsyncSession, name: str) -> None:
    """Wait for the lock `name`, held until the session's transaction ends; call it first
    in the transaction.

    For work that reads and then writes what another process may be writing at the same
    moment (two processes starting at once both insert the rows they found missing). On
    PostgreSQL it is a transaction-scoped advisory lock. SQLite has one writer at a time,
    but its driver begins the transaction only at the first write, after the reads: an
    immediate transaction takes the write lock first (busy_timeout waits for it), so
    every writer of the file takes turns, whatever the name.
    """
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(func.hashtext(name))))
    else:
        await connection.exec_driver_sql("BEGIN IMMEDIATE")
