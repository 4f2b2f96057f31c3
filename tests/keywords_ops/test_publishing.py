"""Publishing, history and rollback of keyword tables in the database."""

from __future__ import annotations

import logging

import pytest
from hypothesis import given
from hypothesis import settings as hypothesis_settings

from bot.config.settings import Settings
from bot.ops.keyword_ops import INVALID, NOT_FOUND, KeywordOpsError, KeywordStore
from bot.runtime.keyword_tables import load_tables, rules_from_csv
from keywords.problems import TableError
from keywords.rules import Rule
from keywords.table_csv import format_table, parse_table
from storage.cache import MemoryCache
from storage.database import SessionFactory
from storage.tables.keywords import SHARED_ACCOUNT, StoredTable, VersionInfo
from storage.types import utc_now
from tests.keywords.strategies import tables
from tests.keywords_ops.tables import BROKEN, V1, V2


@pytest.fixture
def store(settings: Settings, sessions: SessionFactory) -> KeywordStore:
    return KeywordStore(settings, sessions, MemoryCache())


async def test_nothing_published_means_the_configured_file(store: KeywordStore) -> None:
    live = await store.live("main")
    assert live.version is None
    assert live.source.endswith("keywords.csv")
    assert "price" in {rule.name for rule in live.rules}


async def test_publish_stores_a_live_version_with_a_diff(store: KeywordStore) -> None:
    first = await store.publish("main", parse_table(V1, "v1.csv"), "alice", "v1.csv")
    second = await store.publish("main", parse_table(V2, "v2.csv"), "bob", "v2.csv")
    assert second.version.summary == "1 added (invoice), 1 removed (hello), 1 changed (price)"
    assert (second.version.created_by, second.version.note) == ("bob", "v2.csv")
    live = await store.live("main")
    assert live.version == second.version.id
    assert [rule.name for rule in live.rules] == ["price", "invoice", "fallback"]
    history = await store.history("main")
    assert [(v.id, v.active) for v in history] == [
        (second.version.id, True),
        (first.version.id, False),
    ]


async def test_a_table_with_errors_is_refused_with_every_problem(store: KeywordStore) -> None:
    with pytest.raises(KeywordOpsError) as caught:
        await store.publish("main", parse_table(BROKEN, "bad.csv"), "alice")
    assert caught.value.status == INVALID
    assert {(p.line, p.column) for p in caught.value.problems} >= {(2, "trigger"), (3, "keywords")}
    assert await store.history() == []


async def test_rollback_publishes_the_old_table_again(store: KeywordStore) -> None:
    first = await store.publish("main", parse_table(V1, "v1.csv"), "alice")
    await store.publish("main", parse_table(V2, "v2.csv"), "alice")
    rolled = await store.rollback(first.version.id, "carol")
    assert rolled.version.note == f"rollback to version {first.version.id}"
    assert rolled.version.id > first.version.id
    assert (await store.live("main")).rules == parse_table(V1, "v1.csv").rules
    assert len(await store.history("main")) == 3


async def test_unknown_versions_and_accounts_are_errors(store: KeywordStore) -> None:
    with pytest.raises(KeywordOpsError) as caught:
        await store.rollback(999, "carol")
    assert caught.value.status == NOT_FOUND
    with pytest.raises(KeywordOpsError, match="unknown account 'nope'"):
        await store.publish("nope", parse_table(V1, "v1.csv"), "alice")


async def test_the_shared_table_is_its_own_history(store: KeywordStore) -> None:
    await store.publish(SHARED_ACCOUNT, parse_table(V1, "v1.csv"), "alice")
    assert (await store.live(SHARED_ACCOUNT)).version is not None
    assert (await store.live("main")).version is None
    assert [v.account for v in await store.history(SHARED_ACCOUNT)] == [SHARED_ACCOUNT]


async def test_publish_notifies_every_listener(store: KeywordStore) -> None:
    notices: list[str] = []

    async def listen(message: str) -> None:
        notices.append(message)

    await store.cache.subscribe("wxbot:keywords:published", listen)
    published = await store.publish("main", parse_table(V1, "v1.csv"), "alice")
    assert notices == [f'{{"account": "main", "version": {published.version.id}}}']


@hypothesis_settings(max_examples=50)
@given(tables())
def test_a_stored_table_reads_back_unchanged(rules: list[Rule]) -> None:
    info = VersionInfo(1, "main", len(rules), "x", utc_now(), "", "", True)
    assert list(rules_from_csv(StoredTable(info, format_table(rules)))) == rules


async def test_a_missing_configured_file_warns_at_start_once_a_version_is_live(
    store: KeywordStore,
    settings: Settings,
    sessions: SessionFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    published = await store.publish("main", parse_table(V1, "v1.csv"), "alice", "v1.csv")
    settings.wechat[0].keywords.unlink()
    tables = await load_tables(settings, sessions)
    assert tables.versions == {"main": published.version.id}
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [
        f"keyword table {settings.wechat[0].keywords} (configured for account main) does not"
        f" exist; version {published.version.id} is live"
    ]


async def test_a_missing_configured_file_with_nothing_published_is_an_error(
    settings: Settings, sessions: SessionFactory
) -> None:
    settings.wechat[0].keywords.unlink()
    with pytest.raises(TableError) as caught:
        await load_tables(settings, sessions)
    assert caught.value.problems[0].message == "does not exist"
