"""wecom unapplied index: the effects stage finds WeCom's pending events by index

`wecom_events` had no index on its effects state, so each poll of the stage read the
whole table, which keeps every WeCom callback ever accepted. `inbound_events` has had
this index since 0006.

Revision ID: 0020_wecom_unapplied_index
Revises: 0019_unchecked_profile_refs
"""

from __future__ import annotations

from alembic import op

revision: str = "0020_wecom_unapplied_index"
down_revision: str | None = "0019_unchecked_profile_refs"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index(
        "ix_wecom_events_unapplied",
        "wecom_events",
        ["effects_state", "partition", "id"],
        unique=False,
    )


def downgrade() -> None:
    op.drop_index("ix_wecom_events_unapplied", table_name="wecom_events")
