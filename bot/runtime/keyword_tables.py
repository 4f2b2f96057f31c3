"""The live keyword matcher of every account, swapped whole when a table changes.

An account's rules are its published table (the newest live version in the
database) or, while nothing was published, the CSV/XLSX file the config names;
the shared table (`[keywords] shared`, or a version published for all accounts)
follows them. Building a matcher (jieba dictionary, automaton) is CPU work, so it
runs in a thread; a callback always sees either the old or the new matcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from bot.config.settings import Settings
from filecheck.wording import N_, Wording
from keywords.matcher import KeywordMatcher
from keywords.problems import Problem, TableError
from keywords.rules import Rule
from keywords.segmenter import Segmenter
from keywords.table_csv import load_table, parse_table
from storage.database import SessionFactory
from storage.tables.keywords import SHARED_ACCOUNT, StoredTable, active_table

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class LiveTable:
    """The rules one account (or `SHARED_ACCOUNT`) answers with, and where they came from."""

    account: str
    rules: tuple[Rule, ...]
    version: int | None  # None: the configured file (nothing published yet)
    source: str


class KeywordTables:
    """Account name → matcher, plus the version ids they were built from."""

    def __init__(
        self,
        segmenter: Segmenter,
        matchers: Mapping[str, KeywordMatcher],
        versions: Mapping[str, int] | None = None,
    ) -> None:
        self.segmenter = segmenter
        self._matchers = dict(matchers)
        self.versions: Mapping[str, int] = dict(versions or {})

    def matcher_for(self, account: str) -> KeywordMatcher:
        return self._matchers[account]

    def replace(self, account: str, matcher: KeywordMatcher) -> None:
        self._matchers = {**self._matchers, account: matcher}

    def swap(self, matchers: Mapping[str, KeywordMatcher], versions: Mapping[str, int]) -> None:
        """Install a whole new set; a callback that already holds a matcher finishes on it."""
        self._matchers = dict(matchers)
        self.versions = dict(versions)


def rules_from_csv(stored: StoredTable) -> tuple[Rule, ...]:
    """The rules of a stored version (validated when published; a bad one is an error)."""
    source = f"version {stored.info.id}"
    parsed = parse_table(stored.table_csv, source)
    if parsed.errors:
        raise TableError(source, parsed.problems)
    return parsed.rules


def _file_rules(path: Path | None) -> tuple[Rule, ...]:
    if path is None:
        return ()
    if not path.is_file():
        missing = Wording(N_("does not exist"))
        raise TableError(str(path), [Problem(str(path), 0, "file", missing)])
    return tuple(load_table(path))


def configured_file(settings: Settings, account: str) -> Path | None:
    """The table file the config names for `account` (or the shared one)."""
    if account == SHARED_ACCOUNT:
        return settings.keywords.shared
    configured = settings.account(account)
    return configured.keywords if configured is not None else None


async def live_table(settings: Settings, sessions: SessionFactory, account: str) -> LiveTable:
    """What `account` answers with now (parsing runs in a thread: a table can be big)."""
    stored = await active_table(sessions, account)
    if stored is not None:
        rules = await asyncio.to_thread(rules_from_csv, stored)
        return LiveTable(account, rules, stored.info.id, f"version {stored.info.id}")
    path = configured_file(settings, account)
    rules = await asyncio.to_thread(_file_rules, path)
    return LiveTable(account, rules, None, str(path) if path else "(none)")


def build_matchers_blocking(
    accounts: Sequence[LiveTable], shared: LiveTable, segmenter: Segmenter
) -> dict[str, KeywordMatcher]:
    """One matcher per account: its own rules, then the shared ones."""
    return {
        table.account: KeywordMatcher([*table.rules, *shared.rules], segmenter)
        for table in accounts
    }


async def load_live(settings: Settings, sessions: SessionFactory) -> list[LiveTable]:
    """Every account's live table, then the shared one (last)."""
    names = [account.name for account in settings.wechat]
    return [await live_table(settings, sessions, name) for name in [*names, SHARED_ACCOUNT]]


async def build_tables(
    settings: Settings, sessions: SessionFactory, segmenter: Segmenter
) -> tuple[dict[str, KeywordMatcher], dict[str, int]]:
    """Fresh matchers for every account, and the version ids they were built from."""
    *accounts, shared = await load_live(settings, sessions)
    matchers = await asyncio.to_thread(build_matchers_blocking, accounts, shared, segmenter)
    versions = {t.account: t.version for t in (*accounts, shared) if t.version is not None}
    return matchers, versions


async def load_tables(settings: Settings, sessions: SessionFactory) -> KeywordTables:
    """The tables at start: the segmenter's dictionary loads in a thread (~1 s)."""
    segmenter = Segmenter()
    await asyncio.to_thread(segmenter.initialize)
    matchers, versions = await build_tables(settings, sessions, segmenter)
    for account, version in versions.items():
        path = configured_file(settings, account)
        if path is not None and not path.is_file():
            # Harmless while the version is live, but a surprise on a new database.
            log.warning(
                "keyword table %s (configured for %s) does not exist; version %d is live",
                path,
                "every account" if account == SHARED_ACCOUNT else f"account {account}",
                version,
            )
    return KeywordTables(segmenter, matchers, versions)
