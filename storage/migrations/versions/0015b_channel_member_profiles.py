"""channel_members.profile_id references profiles, so a merge moves the member row

Revision ID: 0015b_channel_member_profiles
Revises: 0015_channels
"""

from __future__ import annotations

from alembic import op

revision: str = "0015b_channel_member_profiles"
down_revision: str | None = "0015_channels"
branch_labels: str | None = None
depends_on: str | None = None

_NAME = "fk_channel_members_profile_id"


def upgrade() -> None:
    # Batch mode: SQLite adds a constraint by copying the table.
    with op.batch_alter_table("channel_members") as batch:
        batch.create_foreign_key(_NAME, "profiles", ["profile_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("channel_members") as batch:
        batch.drop_constraint(_NAME, type_="foreignkey")
