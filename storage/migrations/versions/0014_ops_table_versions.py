"""ops table versions: one versioned table for every kind of ops table (keywords, channels)

Keyword versions move over with their numbers, authors, notes and live flags, so
`wxbot keywords history` and `rollback N` read as before.

Revision ID: 0014_ops_table_versions
Revises: 0011_lead_grade_index, 0004_keywords
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0014_ops_table_versions"
# Also merges the keywords branch: the keyword_versions table it replaces comes from there.
down_revision: str | tuple[str, ...] | None = ("0011_lead_grade_index", "0004_keywords")
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "ops_table_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=32), nullable=False),
        sa.Column("scope", sa.String(length=64), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("item_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_ops_table_versions_live",
        "ops_table_versions",
        ["kind", "scope"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "uq_ops_table_versions_number", "ops_table_versions", ["kind", "number"], unique=True
    )
    op.create_index(
        "ix_ops_table_versions_scope", "ops_table_versions", ["kind", "scope", "number"]
    )
    op.execute(
        "INSERT INTO ops_table_versions (kind, scope, number, body, item_count,"
        " created_by, created_at, summary, note, active)"
        " SELECT 'keywords', account, id, table_csv, rule_count,"
        " created_by, created_at, summary, note, active FROM keyword_versions ORDER BY id"
    )
    op.drop_index("ix_keyword_versions_account", table_name="keyword_versions")
    op.drop_index("uq_keyword_versions_active", table_name="keyword_versions")
    op.drop_table("keyword_versions")


def downgrade() -> None:
    """Back to keyword_versions; versions of other kinds (channels) are dropped with the table."""
    op.create_table(
        "keyword_versions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account", sa.String(length=64), nullable=False),
        sa.Column("table_csv", sa.Text(), nullable=False),
        sa.Column("rule_count", sa.Integer(), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("note", sa.String(length=256), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "uq_keyword_versions_active",
        "keyword_versions",
        ["account"],
        unique=True,
        sqlite_where=sa.text("active"),
        postgresql_where=sa.text("active"),
    )
    op.create_index(
        "ix_keyword_versions_account", "keyword_versions", ["account", "id"], unique=False
    )
    op.execute(
        "INSERT INTO keyword_versions (id, account, table_csv, rule_count,"
        " created_by, created_at, summary, note, active)"
        " SELECT number, scope, body, item_count, created_by, created_at, summary, note, active"
        " FROM ops_table_versions WHERE kind = 'keywords' ORDER BY number"
    )
    if op.get_bind().dialect.name == "postgresql":
        # Rows came with their ids: move the serial past them.
        op.execute(
            "SELECT setval(pg_get_serial_sequence('keyword_versions', 'id'), "
            "COALESCE((SELECT MAX(id) FROM keyword_versions), 0) + 1, false)"
        )
    op.drop_table("ops_table_versions")
