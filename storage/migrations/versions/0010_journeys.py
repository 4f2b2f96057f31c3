"""journeys: lead grades, journey runs (durable timers) and their events

Revision ID: 0010_journeys
Revises: 0005_replies
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0010_journeys"
down_revision: str | None = "0005_replies"
branch_labels: str | None = None
depends_on: str | None = None

_TIME = storage.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("leads") as batch:
        batch.add_column(sa.Column("grade", sa.String(16), nullable=True))
    op.create_table(
        "journey_runs",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("journey", sa.String(64), nullable=False),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("due_at", _TIME, nullable=True),
        sa.Column("active_key", sa.String(200), nullable=True),
        sa.Column("trigger", sa.String(160), nullable=False),
        sa.Column("started_at", _TIME, nullable=False),
        sa.Column("ended_at", _TIME, nullable=True),
        sa.Column("exit_reason", sa.String(160), nullable=True),
        sa.UniqueConstraint("active_key"),
    )
    op.create_index("ix_journey_runs_due", "journey_runs", ["status", "due_at"])
    op.create_index("ix_journey_runs_journey", "journey_runs", ["journey", "status"])
    op.create_index("ix_journey_runs_profile_id", "journey_runs", ["profile_id"])
    op.create_table(
        "journey_run_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("run_id", sa.Integer(), sa.ForeignKey("journey_runs.id"), nullable=False),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("journey", sa.String(64), nullable=False),
        sa.Column("step", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("channel", sa.String(32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("at", _TIME, nullable=False),
    )
    op.create_index("ix_journey_run_events_run", "journey_run_events", ["run_id", "id"])
    op.create_index(
        "ix_journey_run_events_profile", "journey_run_events", ["profile_id", "kind", "at"]
    )


def downgrade() -> None:
    op.drop_table("journey_run_events")
    op.drop_table("journey_runs")
    with op.batch_alter_table("leads") as batch:
        batch.drop_column("grade")
