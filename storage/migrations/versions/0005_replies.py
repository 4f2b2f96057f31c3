"""replies: the reply sent for each callback, for WeChat's and WeCom's retries

Revision ID: 0005_replies
Revises: 0003_leads
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005_replies"
down_revision: str | None = "0003_leads"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    for table in ("inbound_events", "wecom_events"):
        with op.batch_alter_table(table) as batch:
            batch.add_column(sa.Column("reply", sa.Text(), nullable=True))


def downgrade() -> None:
    for table in ("inbound_events", "wecom_events"):
        with op.batch_alter_table(table) as batch:
            batch.drop_column("reply")
