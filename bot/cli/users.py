"""`wxbot users show OPENID|PHONE|ID`: one profile as ops need it, on one screen."""

from __future__ import annotations

from typing import TextIO

from bot.cli.database import require_database
from bot.cli.errors import UsageError
from bot.config.settings import Settings
from bot.ops.profile_text import render_profile
from storage.database import create_engine, create_session_factory, upgrade_schema
from storage.profile_lookup import find_profile


async def show_user(settings: Settings, query: str, out: TextIO) -> int:
    """Print the profile `query` names; none is a `UsageError` (exit 2)."""
    require_database(settings)
    # Like `serve`: a database from before this feature gets its tables first.
    await upgrade_schema(settings.storage.database_url)
    engine = create_engine(settings.storage.database_url)
    try:
        async with create_session_factory(engine)() as session:
            profile_id = await find_profile(session, query)
            if profile_id is None:
                raise UsageError(f"no profile matches {query!r} (an openid, a phone or #id)")
            out.write(await render_profile(session, profile_id))
            return 0
    finally:
        await engine.dispose()
