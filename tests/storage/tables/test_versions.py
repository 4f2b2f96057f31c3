"""The ops-table versions every kind shares: numbering per kind, one live per scope, audit."""

from __future__ import annotations

import asyncio
import getpass
import json
from pathlib import Path

from bot.cli.main import main
from storage.admin_users import AdminUsers
from storage.database import SessionFactory, create_engine, create_session_factory
from storage.tables.versions import NewVersion, get_version, list_versions, publish_version
from tests.conftest import ConfigWriter
from tests.keywords_ops.tables import V1, V2


def _new(kind: str, scope: str, body: str, by: str = "ops") -> NewVersion:
    return NewVersion(kind, scope, body, 1, by, f"summary of {body}")


async def test_numbers_count_per_kind_and_one_version_is_live_per_scope(
    sessions: SessionFactory,
) -> None:
    first = await publish_version(sessions, _new("keywords", "main", "a"))
    other_kind = await publish_version(sessions, _new("channels", "*", "x"))
    second = await publish_version(sessions, _new("keywords", "main", "b"))
    shared = await publish_version(sessions, _new("keywords", "*", "c"))
    assert (first.number, other_kind.number, second.number, shared.number) == (1, 1, 2, 3)
    live = [(v.scope, v.number) for v in await list_versions(sessions, "keywords") if v.active]
    assert live == [("*", 3), ("main", 2)]
    stored = await get_version(sessions, "channels", 1)
    assert stored is not None
    assert stored.body == "x"


async def test_two_publishes_at_once_both_land_and_one_is_live(sessions: SessionFactory) -> None:
    await asyncio.gather(*(publish_version(sessions, _new("keywords", "main", str(n)))
                           for n in range(4)))  # fmt: skip
    versions = await list_versions(sessions, "keywords")
    assert sorted(v.number for v in versions) == [1, 2, 3, 4]
    assert sum(v.active for v in versions) == 1


async def test_every_publish_is_audited_with_who_and_what(sessions: SessionFactory) -> None:
    await publish_version(sessions, _new("channels", "*", "x", by="alice"))
    rollback = NewVersion("channels", "*", "x", 1, "bob", "nothing changed", "rollback to 1",
                          "rollback")  # fmt: skip
    await publish_version(sessions, rollback)
    entries = await AdminUsers(sessions).audit_log(10)
    assert [(e.actor, e.action, e.target, json.loads(e.detail)) for e in entries] == [
        ("bob", "channels.rollback", "*",
         {"version": 2, "summary": "nothing changed", "note": "rollback to 1"}),
        ("alice", "channels.publish", "*", {"version": 1, "summary": "summary of x"}),
    ]  # fmt: skip


async def _audit(database_url: str) -> list[tuple[str, str, int]]:
    engine = create_engine(database_url)
    try:
        entries = await AdminUsers(create_session_factory(engine)).audit_log(10)
        return [(e.actor, e.action, json.loads(e.detail)["version"]) for e in entries]
    finally:
        await engine.dispose()


def test_the_cli_audits_as_by_else_the_login(
    write_config: ConfigWriter, tmp_path: Path, database_url: str
) -> None:
    write_config()
    config = str(tmp_path / "config.toml")
    for name, table in (("v1.csv", V1), ("v2.csv", V2)):
        (tmp_path / name).write_text(table, encoding="utf-8")
    assert main(["--config", config, "keywords", "publish", str(tmp_path / "v1.csv"),
                 "--account", "main", "--by", "alice"]) == 0  # fmt: skip
    assert main(["--config", config, "keywords", "publish", str(tmp_path / "v2.csv"),
                 "--account", "main"]) == 0  # fmt: skip
    assert main(["--config", config, "keywords", "rollback", "1", "--by", "carol"]) == 0
    assert asyncio.run(_audit(database_url)) == [
        ("carol", "keywords.rollback", 3),
        (getpass.getuser(), "keywords.publish", 2),
        ("alice", "keywords.publish", 1),
    ]
