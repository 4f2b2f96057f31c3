"""identity names: the name a person goes by under an identity (a WeCom customer's)

Revision ID: 0015_identity_names
Revises: 0011_lead_grade_index
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0015_identity_names"
down_revision: str | None = "0011_lead_grade_index"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("identities", sa.Column("name", sa.String(length=64), nullable=True))
    op.create_index("ix_identities_name", "identities", ["name"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_identities_name", table_name="identities")
    op.drop_column("identities", "name")
