"""The migrated schema is the models' schema: nothing one has that the other lacks."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection

import storage.admin_models
import storage.channels.models
import storage.journey_models
import storage.lead_models
import storage.tables.models
import storage.tagging_models
import storage.team.models  # noqa: F401 - every table of the app
from storage.database import SessionFactory
from storage.models import Base


def _differences(connection: Connection) -> list[object]:
    return list(compare_metadata(MigrationContext.configure(connection), Base.metadata))


async def test_upgrade_heads_gives_exactly_the_models(sessions: SessionFactory) -> None:
    # `sessions` is over a database migrated with `upgrade heads`, as `serve` leaves it.
    async with sessions() as session:
        connection = await session.connection()
        assert await connection.run_sync(_differences) == []
