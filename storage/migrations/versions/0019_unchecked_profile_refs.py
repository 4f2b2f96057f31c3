"""unchecked profile references: the effects stage's append tables lose their foreign keys

`inbound_events.profile_id` (the applied mark), `point_entries.profile_id` and
`profile_timeline.profile_id` are written for every applied event. Each row's foreign
key check was a lookup and a row lock of its profile: about a third of the three
statements' time for a batch of 500 events (`EXPLAIN ANALYZE`), a quarter of
PostgreSQL's CPU per applied event (`bench/effects_sql.py`). Profiles
are never deleted once referenced (a merge leaves the absorbed one as a tombstone), so
the check could never fail; what it guarded is now guarded on the rare side: a
trigger refuses to delete a profile these tables still point at (`storage/models.py`,
`Profile`).

Revision ID: 0019_unchecked_profile_refs
Revises: 0002_tagging, 0006_effects_stage
"""

# ruff: noqa: S608 - the SQL is built from this file's constants only, never from input
from __future__ import annotations

from alembic import op

revision: str = "0019_unchecked_profile_refs"
# After the last migration that touched each table (0006 rebuilt inbound_events on SQLite).
down_revision: str | tuple[str, ...] | None = ("0002_tagging", "0006_effects_stage")
branch_labels: str | None = None
depends_on: str | None = None

_TABLES = ("inbound_events", "point_entries", "profile_timeline")
# SQLite's foreign keys have no name: batch mode names them by this convention to drop them.
_SQLITE_NAMES = {"fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s"}
_STILL_REFERENCED = " OR ".join(
    f"EXISTS (SELECT 1 FROM {table} WHERE profile_id = OLD.id)" for table in _TABLES
)
_PG_GUARD = [
    f"""
CREATE FUNCTION profiles_keep_referenced() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF {_STILL_REFERENCED} THEN
        RAISE EXCEPTION 'profile % is still referenced', OLD.id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END $$""",
    """
CREATE TRIGGER profiles_keep_referenced BEFORE DELETE ON profiles
    FOR EACH ROW EXECUTE FUNCTION profiles_keep_referenced()""",
]
_SQLITE_GUARD = f"""
CREATE TRIGGER profiles_keep_referenced BEFORE DELETE ON profiles
WHEN {_STILL_REFERENCED}
BEGIN
    SELECT RAISE(ABORT, 'FOREIGN KEY constraint failed: profile is still referenced');
END"""


def _postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def upgrade() -> None:
    for table in _TABLES:
        if _postgres():
            op.drop_constraint(f"{table}_profile_id_fkey", table, type_="foreignkey")
        else:
            with op.batch_alter_table(table, naming_convention=_SQLITE_NAMES) as batch:
                batch.drop_constraint(f"fk_{table}_profile_id_profiles", type_="foreignkey")
    for statement in _PG_GUARD if _postgres() else [_SQLITE_GUARD]:
        op.execute(statement)


def downgrade() -> None:
    if _postgres():
        op.execute("DROP TRIGGER IF EXISTS profiles_keep_referenced ON profiles")
        op.execute("DROP FUNCTION IF EXISTS profiles_keep_referenced()")
    else:
        op.execute("DROP TRIGGER IF EXISTS profiles_keep_referenced")
    for table in _TABLES:
        if _postgres():
            name = f"{table}_profile_id_fkey"
            op.create_foreign_key(name, table, "profiles", ["profile_id"], ["id"])
        else:
            # Named as `upgrade` finds it, so the two can run again.
            with op.batch_alter_table(table) as batch:
                name = f"fk_{table}_profile_id_profiles"
                batch.create_foreign_key(name, "profiles", ["profile_id"], ["id"])
