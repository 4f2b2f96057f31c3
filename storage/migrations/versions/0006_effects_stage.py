"""effects stage: events are appended by the request and applied behind it

Revision ID: 0006_effects_stage
Revises: 0005_replies

Events stored before this revision had their keyword tags, points and sends
applied with them; the ones whose `profile.evaluate` job had not run yet stay
`pending` with no decision, so the effects stage runs the tagging and lead
steps on them (and nothing twice), and those jobs are dropped.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from alembic.operations import BatchOperations

revision: str = "0006_effects_stage"
down_revision: str | None = "0005_replies"
branch_labels: str | None = None
depends_on: str | None = None

# Must match storage.pending_events (PARTITIONS, the stream names).
PARTITIONS = 16
STREAMS = {"wechat": PARTITIONS, "wecom": 1}


def _stage_columns(batch: BatchOperations) -> None:
    add = batch.add_column
    add(sa.Column("partition", sa.SmallInteger(), nullable=False, server_default="0"))
    add(sa.Column("effects_state", sa.String(8), nullable=False, server_default="applied"))
    add(sa.Column("effects_attempts", sa.Integer(), nullable=False, server_default="0"))
    add(sa.Column("effects_error", sa.Text(), nullable=True))
    add(sa.Column("applied_at", sa.DateTime(timezone=True), nullable=True))


def upgrade() -> None:
    with op.batch_alter_table("inbound_events") as batch:
        _stage_columns(batch)
        batch.add_column(sa.Column("decision", sa.Text(), nullable=True))
        batch.alter_column("profile_id", existing_type=sa.Integer(), nullable=True)
        batch.create_index(
            "ix_inbound_events_unapplied", ["effects_state", "partition", "id"], unique=False
        )
    with op.batch_alter_table("wecom_events") as batch:
        _stage_columns(batch)
    op.execute(
        "UPDATE inbound_events SET effects_state = 'pending' WHERE dedup_key IN "
        # The job's dedup key is the event's plus ":evaluate" (9 characters).
        "(SELECT substr(dedup_key, 1, length(dedup_key) - 9) FROM outbox "
        "WHERE kind = 'profile.evaluate' AND status = 'pending')"
    )
    op.execute("DELETE FROM outbox WHERE kind = 'profile.evaluate'")
    leases = op.create_table(
        "effect_leases",
        sa.Column("stream", sa.String(16), primary_key=True),
        sa.Column("partition", sa.SmallInteger(), primary_key=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("lease_until", sa.DateTime(timezone=True), nullable=True),
    )
    op.bulk_insert(
        leases,
        [
            {"stream": stream, "partition": partition}
            for stream, count in STREAMS.items()
            for partition in range(count)
        ],
    )
    op.create_table(
        "effect_consumers",
        sa.Column("owner", sa.String(64), primary_key=True),
        sa.Column("seen_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("effect_consumers")
    op.drop_table("effect_leases")
    for table in ("inbound_events", "wecom_events"):
        with op.batch_alter_table(table) as batch:
            if table == "inbound_events":
                batch.drop_index("ix_inbound_events_unapplied")
                batch.drop_column("decision")
            for column in ("applied_at", "effects_error", "effects_attempts", "effects_state"):
                batch.drop_column(column)
            batch.drop_column("partition")
