"""Alembic environment: runs the migrations over the async engine."""

from __future__ import annotations

import asyncio

from alembic import context
from sqlalchemy.engine import Connection

import storage.channels.models  # registers the channels tables on Base.metadata
import storage.journey_models  # registers the journeys tables on Base.metadata
import storage.lead_models  # registers the leads tables on Base.metadata
import storage.tables.models  # registers ops_table_versions on Base.metadata
import storage.tagging_models  # registers the tagging tables on Base.metadata
import storage.team.models  # registers the team's tables on Base.metadata
import storage.team.transfer_models  # noqa: F401 - registers customer_transfers on Base.metadata
from storage.database import create_engine
from storage.models import Base


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=Base.metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


async def _run_online(url: str) -> None:
    engine = create_engine(url)
    try:
        async with engine.connect() as connection:
            await connection.run_sync(_run)
            await connection.commit()
    finally:
        await engine.dispose()


asyncio.run(_run_online(context.config.get_main_option("sqlalchemy.url") or ""))
