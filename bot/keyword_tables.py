"""The live keyword matcher of every account, swapped whole when a table changes.

Building a matcher (jieba dictionary, automaton) is CPU work, so it runs in a
thread; a callback always sees either the old or the new matcher, never a mix.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from pathlib import Path

from bot.settings import Settings
from keywords.matcher import KeywordMatcher
from keywords.rules import Rule
from keywords.segmenter import Segmenter
from keywords.table_csv import load_table


class KeywordTables:
    """Account name → matcher."""

    def __init__(self, segmenter: Segmenter, matchers: Mapping[str, KeywordMatcher]) -> None:
        self.segmenter = segmenter
        self._matchers = dict(matchers)

    def matcher_for(self, account: str) -> KeywordMatcher:
        return self._matchers[account]

    def replace(self, account: str, matcher: KeywordMatcher) -> None:
        self._matchers[account] = matcher


def build_matchers_blocking(settings: Settings, segmenter: Segmenter) -> dict[str, KeywordMatcher]:
    """Load every account's table (plus the shared one) and build its matcher."""
    shared: list[Rule] = load_table(settings.keywords.shared) if settings.keywords.shared else []
    tables: dict[Path, list[Rule]] = {}
    matchers: dict[str, KeywordMatcher] = {}
    for account in settings.wechat:
        rules = tables.setdefault(account.keywords, load_table(account.keywords))
        matchers[account.name] = KeywordMatcher([*rules, *shared], segmenter)
    return matchers


def load_tables_blocking(settings: Settings) -> KeywordTables:
    segmenter = Segmenter()
    segmenter.initialize()
    return KeywordTables(segmenter, build_matchers_blocking(settings, segmenter))


async def load_tables(settings: Settings) -> KeywordTables:
    return await asyncio.to_thread(load_tables_blocking, settings)
