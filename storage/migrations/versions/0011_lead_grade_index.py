"""lead grade index: the admin board's grade filter

Revision ID: 0011_lead_grade_index
Revises: 0010_journeys
"""

from __future__ import annotations

from alembic import op

revision: str = "0011_lead_grade_index"
down_revision: str | None = "0010_journeys"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_index("ix_leads_grade_state", "leads", ["grade", "state"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_leads_grade_state", table_name="leads")
