"""lead load: each salesperson's open leads and round-robin position, kept by triggers

Assignment read both by scanning `leads` and `lead_events` for every new lead. This
table holds the answer; triggers on both tables keep it in the transaction of each
change, whoever makes it (effects batches, timers, staff commands, the admin site).
Backfilled from the rows already there.

Revision ID: 0016_lead_load
Revises: 0015b_channel_member_profiles
"""

# ruff: noqa: S608 - the SQL is built from this file's constants only, never from input
from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0016_lead_load"
down_revision: str | None = "0015b_channel_member_profiles"
branch_labels: str | None = None
depends_on: str | None = None

# Frozen copies (a migration must not follow later code): `leads.lifecycle.OPEN_STATES`,
# `leads.intake.ASSIGNING`, and `storage.leads_repo._ASSIGNMENT_LOCK`.
OPEN = "('new', 'contacting', 'unclear', 'intent', 'booked')"
ASSIGNING = "('assigned', 'claimed', 'transferred')"
LOCK = 0x7778_6C61

# PostgreSQL: a counter row is only ever changed under the assignment lock. Assignment
# holds it while it reads the load and adds leads, so a claim or a closing made by
# another transaction waits for the batch (or the batch for it) and the load it read
# is the load it changes: `max_open` is never overshot. It also means counter rows are
# never contended by two transactions, so they add no deadlock of their own.
_PG_FUNCTIONS = [
    f"""
CREATE FUNCTION lead_load_open(who varchar, delta integer) RETURNS void
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock({LOCK});
    INSERT INTO lead_load (owner, open_leads, last_assigned) VALUES (who, delta, 0)
    ON CONFLICT (owner) DO UPDATE SET open_leads = lead_load.open_leads + delta;
END $$""",
    f"""
CREATE FUNCTION lead_load_on_leads() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        IF OLD.owner IS NOT NULL AND OLD.state IN {OPEN} THEN
            PERFORM lead_load_open(OLD.owner, -1);
        END IF;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        IF NEW.owner IS NOT NULL AND NEW.state IN {OPEN} THEN
            PERFORM lead_load_open(NEW.owner, 1);
        END IF;
    END IF;
    RETURN NULL;
END $$""",
    # Inserts count per statement, from the rows the statement made: a wave of 500
    # leads changes each person's row once, not 500 times (fewer dead row versions
    # for the table's 20 rows to carry, and no per-row function call).
    f"""
CREATE FUNCTION lead_load_on_new_leads() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM made WHERE owner IS NOT NULL AND state IN {OPEN}) THEN
        PERFORM pg_advisory_xact_lock({LOCK});
        INSERT INTO lead_load (owner, open_leads, last_assigned)
        SELECT owner, COUNT(*), 0 FROM made
            WHERE owner IS NOT NULL AND state IN {OPEN} GROUP BY owner ORDER BY owner
        ON CONFLICT (owner) DO UPDATE
            SET open_leads = lead_load.open_leads + EXCLUDED.open_leads;
    END IF;
    RETURN NULL;
END $$""",
    f"""
CREATE FUNCTION lead_load_on_new_events() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM added WHERE owner IS NOT NULL AND kind IN {ASSIGNING}) THEN
        PERFORM pg_advisory_xact_lock({LOCK});
        INSERT INTO lead_load (owner, open_leads, last_assigned)
        SELECT owner, 0, MAX(id) FROM added
            WHERE owner IS NOT NULL AND kind IN {ASSIGNING} GROUP BY owner ORDER BY owner
        ON CONFLICT (owner) DO UPDATE
            SET last_assigned = GREATEST(lead_load.last_assigned, EXCLUDED.last_assigned);
    END IF;
    RETURN NULL;
END $$""",
]

_PG_TRIGGERS = [
    """
CREATE TRIGGER lead_load_insert AFTER INSERT ON leads
    REFERENCING NEW TABLE AS made FOR EACH STATEMENT
    EXECUTE FUNCTION lead_load_on_new_leads()""",
    """
CREATE TRIGGER lead_load_update AFTER UPDATE OF owner, state ON leads
    FOR EACH ROW WHEN (OLD.owner IS DISTINCT FROM NEW.owner OR OLD.state IS DISTINCT FROM NEW.state)
    EXECUTE FUNCTION lead_load_on_leads()""",
    f"""
CREATE TRIGGER lead_load_delete AFTER DELETE ON leads
    FOR EACH ROW WHEN (OLD.owner IS NOT NULL AND OLD.state IN {OPEN})
    EXECUTE FUNCTION lead_load_on_leads()""",
    """
CREATE TRIGGER lead_load_assigned AFTER INSERT ON lead_events
    REFERENCING NEW TABLE AS added FOR EACH STATEMENT
    EXECUTE FUNCTION lead_load_on_new_events()""",
]

# SQLite: one writer at a time for the whole database, so the statements need no lock.
# `INSERT OR IGNORE` then `UPDATE`: SQLite triggers take no upsert.
_SQLITE_ENSURE = "INSERT OR IGNORE INTO lead_load (owner, open_leads, last_assigned) "
_SQLITE_TRIGGERS = [
    f"""
CREATE TRIGGER lead_load_insert AFTER INSERT ON leads
WHEN NEW.owner IS NOT NULL AND NEW.state IN {OPEN}
BEGIN
    {_SQLITE_ENSURE} VALUES (NEW.owner, 0, 0);
    UPDATE lead_load SET open_leads = open_leads + 1 WHERE owner = NEW.owner;
END""",
    f"""
CREATE TRIGGER lead_load_update AFTER UPDATE OF owner, state ON leads
WHEN OLD.owner IS NOT NEW.owner OR OLD.state IS NOT NEW.state
BEGIN
    UPDATE lead_load SET open_leads = open_leads - 1
        WHERE owner = OLD.owner AND OLD.state IN {OPEN};
    {_SQLITE_ENSURE} SELECT NEW.owner, 0, 0 WHERE NEW.owner IS NOT NULL AND NEW.state IN {OPEN};
    UPDATE lead_load SET open_leads = open_leads + 1
        WHERE owner = NEW.owner AND NEW.state IN {OPEN};
END""",
    f"""
CREATE TRIGGER lead_load_delete AFTER DELETE ON leads
WHEN OLD.owner IS NOT NULL AND OLD.state IN {OPEN}
BEGIN
    UPDATE lead_load SET open_leads = open_leads - 1 WHERE owner = OLD.owner;
END""",
    f"""
CREATE TRIGGER lead_load_assigned AFTER INSERT ON lead_events
WHEN NEW.owner IS NOT NULL AND NEW.kind IN {ASSIGNING}
BEGIN
    {_SQLITE_ENSURE} VALUES (NEW.owner, 0, 0);
    UPDATE lead_load SET last_assigned = max(last_assigned, NEW.id) WHERE owner = NEW.owner;
END""",
]

_BACKFILL = f"""
INSERT INTO lead_load (owner, open_leads, last_assigned)
SELECT owner, SUM(open_leads), MAX(last_assigned) FROM (
    SELECT owner, COUNT(*) AS open_leads, 0 AS last_assigned FROM leads
        WHERE owner IS NOT NULL AND state IN {OPEN} GROUP BY owner
    UNION ALL
    SELECT owner, 0, MAX(id) FROM lead_events
        WHERE owner IS NOT NULL AND kind IN {ASSIGNING} GROUP BY owner
) AS found GROUP BY owner
"""


def upgrade() -> None:
    op.create_table(
        "lead_load",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("owner", sa.String(length=64), nullable=False),
        sa.Column("open_leads", sa.Integer(), nullable=False),
        sa.Column("last_assigned", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("owner"),
    )
    # Backfill before the triggers exist, in the migration's transaction: no change
    # is counted twice or missed (the bot does not run during `wxbot migrate`).
    op.execute(_BACKFILL)
    if op.get_bind().dialect.name == "postgresql":
        statements = [*_PG_FUNCTIONS, *_PG_TRIGGERS]
    else:
        statements = _SQLITE_TRIGGERS
    for statement in statements:
        op.execute(statement)


def downgrade() -> None:
    for trigger, table in (
        ("lead_load_insert", "leads"),
        ("lead_load_update", "leads"),
        ("lead_load_delete", "leads"),
        ("lead_load_assigned", "lead_events"),
    ):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
        else:
            op.execute(f"DROP TRIGGER IF EXISTS {trigger}")
    if op.get_bind().dialect.name == "postgresql":
        for function in ("lead_load_on_new_events()", "lead_load_on_new_leads()",
                         "lead_load_on_leads()",
                         "lead_load_open(varchar, integer)"):  # fmt: skip
            op.execute(f"DROP FUNCTION IF EXISTS {function}")
    op.drop_table("lead_load")
