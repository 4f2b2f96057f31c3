"""Published keyword tables: every version ops published, and which one is live."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from storage.models import Base
from storage.types import utc_now

SHARED_ACCOUNT = "*"  # the table whose rules apply to every account (no account name has "*")


class KeywordVersion(Base):
    """One published table. Rollback publishes an old table again as a new version,
    so the history reads as what went live, in order."""

    __tablename__ = "keyword_versions"
    __table_args__ = (
        # At most one live version per account; a concurrent publish fails instead of
        # leaving two live tables.
        Index(
            "uq_keyword_versions_active",
            "account",
            unique=True,
            sqlite_where=text("active"),
            postgresql_where=text("active"),
        ),
        Index("ix_keyword_versions_account", "account", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account: Mapped[str] = mapped_column(String(64))
    # The rules as the CSV `wxbot keywords export` writes: the one stored format.
    table_csv: Mapped[str] = mapped_column(Text)
    rule_count: Mapped[int] = mapped_column(Integer)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utc_now)
    summary: Mapped[str] = mapped_column(Text)
    # Where it came from: a file name, "admin api", "rollback to 3".
    note: Mapped[str] = mapped_column(String(256), default="")
    active: Mapped[bool] = mapped_column(default=False)
