"""leads: leads, lead timeline, deferred alerts, WeCom callbacks

Revision ID: 0003_leads
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0003_leads"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_TIME = storage.types.UtcDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "leads",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("profile_id", sa.Integer(), sa.ForeignKey("profiles.id"), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("assigned_at", _TIME, nullable=True),
        sa.Column("claimed_at", _TIME, nullable=True),
        sa.Column("followed_up_at", _TIME, nullable=True),
        sa.Column("escalation", sa.Integer(), nullable=False),
        sa.Column("active_at", _TIME, nullable=False),
        sa.Column("channel", sa.String(64), nullable=True),
        sa.Column("external_userid", sa.String(128), nullable=True),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.UniqueConstraint("profile_id"),
    )
    op.create_index("ix_leads_owner_state", "leads", ["owner", "state"])
    op.create_table(
        "lead_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id"), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("actor", sa.String(64), nullable=False),
        sa.Column("from_state", sa.String(16), nullable=True),
        sa.Column("to_state", sa.String(16), nullable=True),
        sa.Column("owner", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("created_at", _TIME, nullable=False),
    )
    op.create_index("ix_lead_events_lead", "lead_events", ["lead_id", "id"])
    op.create_index("ix_lead_events_kind", "lead_events", ["kind"])
    op.create_index("ix_lead_events_owner", "lead_events", ["owner"])
    op.create_table(
        "lead_deferred_alerts",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("recipient", sa.String(64), nullable=False),
        sa.Column("lead_id", sa.Integer(), sa.ForeignKey("leads.id"), nullable=False),
        sa.Column("title", sa.String(128), nullable=False),
        sa.Column("created_at", _TIME, nullable=False),
        sa.Column("sent_at", _TIME, nullable=True),
    )
    op.create_index("ix_lead_deferred_recipient", "lead_deferred_alerts", ["recipient", "sent_at"])
    op.create_table(
        "wecom_events",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("dedup_key", sa.String(300), nullable=False),
        sa.Column("app", sa.String(64), nullable=False),
        sa.Column("from_user", sa.String(128), nullable=False),
        sa.Column("msg_type", sa.String(32), nullable=False),
        sa.Column("event", sa.String(64), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.Column("received_at", _TIME, nullable=False),
        sa.UniqueConstraint("dedup_key"),
    )


def downgrade() -> None:
    op.drop_table("wecom_events")
    op.drop_index("ix_lead_deferred_recipient", "lead_deferred_alerts")
    op.drop_table("lead_deferred_alerts")
    for index in ("ix_lead_events_owner", "ix_lead_events_kind", "ix_lead_events_lead"):
        op.drop_index(index, "lead_events")
    op.drop_table("lead_events")
    op.drop_index("ix_leads_owner_state", "leads")
    op.drop_table("leads")
