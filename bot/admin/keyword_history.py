"""What each published keyword version changed, for the history page, in any language.

A version stores its summary as the CLI's English line; the page reads the change
from the stored tables instead (a version against the one before it, by rule name),
so it can say it in the reader's language. Versions never change, so each answer is
cached; the first version of an account was compared with the configured file,
which is not stored: it reads as "first published".
"""

from __future__ import annotations

import asyncio
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from bot.ops.keyword_ops import KeywordStore
from bot.runtime.keyword_tables import rules_from_csv
from keywords.diff import diff_tables
from storage.cache import Cache
from storage.tables.keywords import VersionInfo, get_version, list_versions

CACHE_KEY = "admin:version_changes"
CACHE_TTL_S = 86400
# The note the site writes on its own publishes, and the one a rollback writes.
SITE_NOTE = "admin site"
ROLLBACK_NOTE = re.compile(r"^rollback to version (\d+)$")


@dataclass(frozen=True)
class VersionChanges:
    """Rule names added, removed and changed against the version before; `first`: none."""

    added: tuple[str, ...] = ()
    removed: tuple[str, ...] = ()
    changed: tuple[str, ...] = ()
    reordered: bool = False
    first: bool = False


async def _changes(store: KeywordStore, version_id: int, previous_id: int | None) -> VersionChanges:
    if previous_id is None:
        return VersionChanges(first=True)
    new, old = (
        await get_version(store.sessions, version_id),
        await get_version(store.sessions, previous_id),
    )
    if new is None or old is None:
        return VersionChanges(first=True)
    new_rules = await asyncio.to_thread(rules_from_csv, new)
    old_rules = await asyncio.to_thread(rules_from_csv, old)
    diff = diff_tables(old_rules, new_rules)
    return VersionChanges(diff.added, diff.removed, diff.changed, diff.reordered)


async def version_changes(
    store: KeywordStore, cache: Cache, versions: Sequence[VersionInfo]
) -> dict[int, VersionChanges]:
    """Version id → what it changed, for `versions` (one account's, newest first)."""
    if not versions:
        return {}
    account = versions[0].account
    known = await list_versions(store.sessions, account, len(versions) + 1)
    previous = {version.id: older.id for version, older in pairwise(known)}
    found: dict[int, VersionChanges] = {}
    for version in versions:
        key = f"{CACHE_KEY}:{version.id}"
        cached = await cache.get(key)
        if cached is None:
            changes = await _changes(store, version.id, previous.get(version.id))
            cached = json.dumps(changes.__dict__, ensure_ascii=False)
            await cache.set(key, cached, ttl_s=CACHE_TTL_S)
        fields = json.loads(cached)
        found[version.id] = VersionChanges(
            tuple(fields["added"]), tuple(fields["removed"]), tuple(fields["changed"]),
            bool(fields["reordered"]), bool(fields["first"]),
        )  # fmt: skip
    return found


def rolled_back_to(note: str) -> int | None:
    """The version a rollback made live again, from its note."""
    found = ROLLBACK_NOTE.match(note)
    return int(found[1]) if found else None
