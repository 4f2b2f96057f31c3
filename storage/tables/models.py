"""The one table of published ops tables, for every kind (keywords, channels, menus)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now


class TableVersion(Base):
    """One published version of one kind of table, for one scope (an account, or all).

    Rollback publishes an old body again as a new version, so the history reads as
    what went live, in order. `number` is what ops see: it counts per kind, so a
    channel publish does not skip a keyword version number.
    """

    __tablename__ = "ops_table_versions"
    __table_args__ = (
        # At most one live version per kind and scope; a concurrent publish fails instead
        # of leaving two live tables.
        Index(
            "uq_ops_table_versions_live",
            "kind",
            "scope",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("uq_ops_table_versions_number", "kind", "number", unique=True),
        Index("ix_ops_table_versions_scope", "kind", "scope", "number"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    scope: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)
    # The table as its kind's canonical text (keywords: CSV; channels: TOML).
    body: Mapped[str] = mapped_column(Text)
    item_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    summary: Mapped[str] = mapped_column(Text)
    # Where it came from: a file name, "admin api", "rollback to version 3".
    note: Mapped[str] = mapped_column(String(256), default="")
    active: Mapped[bool] = mapped_column(default=False)
