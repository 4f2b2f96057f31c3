"""channels: the directory and codes, daily figures, members, welcome deadlines

Revision ID: 0015_channels
Revises: 0014_ops_table_versions
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0015_channels"
down_revision: str | None = "0014_ops_table_versions"
branch_labels: str | None = None
depends_on: str | None = None


def _when(name: str, nullable: bool = True) -> sa.Column[object]:
    return sa.Column(name, storage.types.UtcDateTime(timezone=True), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "channels",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("group_name", sa.String(length=64), nullable=False),
        sa.Column("cost", sa.Float(), nullable=True),
        sa.Column("enabled", sa.Boolean(), nullable=False),
        sa.Column("qr_account", sa.String(length=64), nullable=True),
        sa.Column("qr_kind", sa.String(length=16), nullable=True),
        sa.Column("qr_ticket", sa.String(length=256), nullable=True),
        sa.Column("qr_url", sa.String(length=256), nullable=True),
        _when("qr_expires_at"),
        sa.Column("way_app", sa.String(length=64), nullable=True),
        sa.Column("way_config_id", sa.String(length=64), nullable=True),
        sa.Column("way_qr_url", sa.String(length=512), nullable=True),
        sa.Column("way_users", sa.String(length=1024), nullable=True),
        _when("updated_at", nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("key"),
    )
    counts = [
        sa.Column(name, sa.Integer(), nullable=False)
        for name in ("scans", "follows", "refollows", "unfollows", "adds", "deleted_by_staff",
                     "deleted_by_customer", "tagged", "leads", "claimed", "won")
    ]  # fmt: skip
    op.create_table(
        "channel_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        sa.Column("day", sa.String(length=10), nullable=False),
        sa.Column("staff", sa.String(length=64), nullable=False),
        *counts,
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("channel", "day", "staff", name="uq_channel_day"),
    )
    op.create_index("ix_channel_days_day", "channel_days", ["day"])
    op.create_table(
        "channel_members",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        _when("arrived_at", nullable=False),
        _when("tagged_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("profile_id"),
    )
    op.create_table(
        "welcome_sends",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("welcome_code", sa.String(length=256), nullable=False),
        sa.Column("app", sa.String(length=64), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("external_userid", sa.String(length=128), nullable=False),
        sa.Column("channel", sa.String(length=64), nullable=False),
        _when("received_at", nullable=False),
        _when("deadline_at", nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        _when("locked_until"),
        sa.Column("reason", sa.Text(), nullable=True),
        _when("settled_at"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("welcome_code"),
    )
    op.create_index("ix_welcome_sends_due", "welcome_sends", ["status", "deadline_at"])


def downgrade() -> None:
    op.drop_index("ix_welcome_sends_due", table_name="welcome_sends")
    op.drop_table("welcome_sends")
    op.drop_table("channel_members")
    op.drop_index("ix_channel_days_day", table_name="channel_days")
    op.drop_table("channel_days")
    op.drop_table("channels")
