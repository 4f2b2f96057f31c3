"""team: the sales team as a table (seeded once from [[leads.sales]]) and its hand-overs

Revision ID: 0017_team
Revises: 0016_lead_load
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017_team"
down_revision: str | None = "0016_lead_load"
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str) -> sa.Column[object]:
    return sa.Column(name, storage.types.UtcDateTime(timezone=True), nullable=False)


def upgrade() -> None:
    op.create_table(
        "sales_team",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("tags", sa.Text(), nullable=False),
        sa.Column("max_open", sa.Integer(), nullable=True),
        sa.Column("manager", sa.String(length=64), nullable=True),
        sa.Column("deputy", sa.String(length=64), nullable=True),
        sa.Column("status", sa.String(length=8), nullable=False),
        sa.Column("away_until", sa.Date(), nullable=True),
        _when("created_at"),
        _when("updated_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("userid"),
    )
    op.create_table(
        "team_handovers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("from_userid", sa.String(length=64), nullable=False),
        sa.Column("to_userid", sa.String(length=64), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("lead_count", sa.Integer(), nullable=False),
        sa.Column("employed", sa.Boolean(), nullable=False),
        _when("created_at"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_team_handovers_from_userid", "team_handovers", ["from_userid"])


def downgrade() -> None:
    op.drop_index("ix_team_handovers_from_userid", table_name="team_handovers")
    op.drop_table("team_handovers")
    op.drop_table("sales_team")
