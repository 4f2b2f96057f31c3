"""customer transfers: each customer a hand-over moves in WeCom, and where it stands

Revision ID: 0018_customer_transfers
Revises: 0016_lead_load
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0018_customer_transfers"
# Re-chained after 0017_team when the two halves of the team feature merge.
down_revision: str | None = "0017_team"
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, storage.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "customer_transfers",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("handover_id", sa.Integer(), nullable=False),
        sa.Column("lead_id", sa.Integer(), nullable=False),
        sa.Column("external_userid", sa.String(length=128), nullable=False),
        sa.Column("from_userid", sa.String(length=64), nullable=False),
        sa.Column("to_userid", sa.String(length=64), nullable=False),
        sa.Column("employed", sa.Boolean(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("errcode", sa.Integer(), nullable=True),
        _when("created_at", nullable=False),
        _when("sent_at"),
        _when("ended_at"),
        sa.Column("reported", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["lead_id"], ["leads.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ix_customer_transfers_pair",
        "customer_transfers",
        ["from_userid", "to_userid", "state"],
    )
    op.create_index("ix_customer_transfers_handover", "customer_transfers", ["handover_id", "id"])
    op.create_index("ix_customer_transfers_lead_id", "customer_transfers", ["lead_id"])


def downgrade() -> None:
    op.drop_table("customer_transfers")
