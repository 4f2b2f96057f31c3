"""Which database a command uses: said aloud when it writes, required when it only reads.

A relative SQLite path used to follow the working directory, so a command run from
another folder silently worked on a new, empty database. Now the path is relative to
the config file, writing commands print the database they use, and reading commands
refuse a SQLite file that does not exist instead of creating it.
"""

from __future__ import annotations

from pathlib import Path

from sqlalchemy.engine import make_url

from bot.cli.errors import UsageError
from bot.config.settings import Settings


def database_label(database_url: str) -> str:
    """The URL without its password, fit to print."""
    return make_url(database_url).render_as_string(hide_password=True)


def database_line(settings: Settings) -> str:
    return f"database: {database_label(settings.storage.database_url)}\n"


def sqlite_file(database_url: str) -> Path | None:
    """The file of a SQLite URL; None for another database or an in-memory one."""
    url = make_url(database_url)
    if not url.drivername.startswith("sqlite") or url.database in (None, "", ":memory:"):
        return None
    return Path(url.database)


def require_database(settings: Settings) -> None:
    """Refuse to read a SQLite database that does not exist (it would be created empty)."""
    path = sqlite_file(settings.storage.database_url)
    if path is not None and not path.exists():
        raise UsageError(
            f"no database at {path} ([storage] database_url of {settings.source}):"
            " run `wxbot serve` or `wxbot db upgrade` first"
        )
