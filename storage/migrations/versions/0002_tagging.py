"""tagging: profile timeline, WeCom contact relations, tag expiry index

Revision ID: 0002_tagging
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0002_tagging"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "profile_timeline",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("profile_id", sa.Integer(), nullable=False),
        sa.Column("at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("tag", sa.String(length=64), nullable=True),
        sa.Column("points", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("ref", sa.String(length=64), nullable=True),
        sa.ForeignKeyConstraint(["profile_id"], ["profiles.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("ref"),
    )
    op.create_index(
        "ix_profile_timeline_profile_at", "profile_timeline", ["profile_id", "at"], unique=False
    )
    op.create_table(
        "wecom_relations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("corp", sa.String(length=64), nullable=False),
        sa.Column("external_userid", sa.String(length=128), nullable=False),
        sa.Column("userid", sa.String(length=64), nullable=False),
        sa.Column("state", sa.String(length=64), nullable=True),
        sa.Column("created_at", storage.types.UtcDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("corp", "external_userid", "userid", name="uq_wecom_relation"),
    )
    op.create_index(
        "ix_wecom_relations_external_userid", "wecom_relations", ["external_userid"], unique=False
    )
    # The expiry sweep looks for due tags across all profiles.
    op.create_index("ix_profile_tags_expires_at", "profile_tags", ["expires_at"], unique=False)
    # `wxbot users show OPENID` names an identity without its kind or account.
    op.create_index("ix_identities_value", "identities", ["value"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_identities_value", table_name="identities")
    op.drop_index("ix_profile_tags_expires_at", table_name="profile_tags")
    op.drop_index("ix_wecom_relations_external_userid", table_name="wecom_relations")
    op.drop_table("wecom_relations")
    op.drop_index("ix_profile_timeline_profile_at", table_name="profile_timeline")
    op.drop_table("profile_timeline")
