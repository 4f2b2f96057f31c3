"""What ops do with keyword tables, shared by the CLI and the admin API.

Publishing validates, diffs against what is live, stores a new version (audited
with who, when and what) and sends the notice that makes every process reload;
rollback publishes an old version's table again, so history only ever grows. The
versions, the audit and the notice are every ops table's (`storage.tables`,
`bot.runtime.table_reload`); parsing and diffing are the keywords'.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.config.settings import Settings
from bot.errors import WxbotError
from bot.ops.limits import HISTORY_LIMIT
from bot.runtime.keyword_tables import LiveTable, live_table, rules_from_csv
from bot.runtime.table_reload import announce
from keywords.diff import TableDiff, diff_tables
from keywords.problems import Problem
from keywords.table_csv import format_table
from keywords.table_rows import ParsedTable
from storage.cache import Cache
from storage.database import SessionFactory
from storage.tables.keywords import (
    KIND,
    SHARED_ACCOUNT,
    NewVersion,
    VersionInfo,
    get_version,
    list_versions,
    publish_version,
)

BAD_REQUEST = 400
NOT_FOUND = 404
INVALID = 422


class KeywordOpsError(WxbotError):
    """An operation ops asked for that cannot be done; `status` is the HTTP answer."""

    def __init__(self, status: int, message: str, problems: tuple[Problem, ...] = ()) -> None:
        self.status = status
        self.message = message
        self.problems = problems
        super().__init__(message)


@dataclass(frozen=True)
class Published:
    """A version that went live, what it changed, and the warnings its table had."""

    version: VersionInfo
    diff: TableDiff
    warnings: tuple[Problem, ...]


@dataclass(frozen=True)
class KeywordStore:
    """The dependencies of every keyword operation."""

    settings: Settings
    sessions: SessionFactory
    cache: Cache

    def check_account(self, account: str) -> str:
        """`account` if it names a configured account or the shared table, else an error."""
        if account == SHARED_ACCOUNT or self.settings.account(account) is not None:
            return account
        known = ", ".join([a.name for a in self.settings.wechat] + [SHARED_ACCOUNT])
        raise KeywordOpsError(NOT_FOUND, f"unknown account {account!r} (known: {known})")

    async def live(self, account: str) -> LiveTable:
        """What `account` answers with now (its own rules, not the shared ones)."""
        return await live_table(self.settings, self.sessions, self.check_account(account))

    async def publish(
        self,
        account: str,
        parsed: ParsedTable,
        by: str,
        note: str = "",
        *,
        rolled_back: int | None = None,
    ) -> Published:
        """Store `parsed` as the account's live table, or refuse it with every error.

        The audit log records it in the same transaction, whoever publishes: the site,
        the JSON API or the CLI (`--by`, else the OS user). `rolled_back` is the version
        a rollback makes live again.
        """
        if parsed.errors:
            raise KeywordOpsError(INVALID, "the table has errors", parsed.problems)
        current = await self.live(account)
        diff = diff_tables(current.rules, parsed.rules)
        table_csv = await asyncio.to_thread(format_table, parsed.rules)
        changes = {"added": diff.added, "removed": diff.removed, "changed": diff.changed,
                   "reordered": diff.reordered}  # fmt: skip
        version = await publish_version(
            self.sessions,
            NewVersion(
                account=account,
                table_csv=table_csv,
                rule_count=len(parsed.rules),
                created_by=by[:64],
                summary=diff.summary(),
                note=note[:256],
                action="publish" if rolled_back is None else "rollback",
                changes=changes,
                from_version=rolled_back,
            ),
        )
        await self.notify(account, version.id)
        warnings = tuple(p for p in parsed.problems if p not in parsed.errors)
        return Published(version, diff, warnings)

    async def rollback(self, version_id: int, by: str) -> Published:
        """Make an old version's table live again, as a new version."""
        stored = await get_version(self.sessions, version_id)
        if stored is None:
            raise KeywordOpsError(NOT_FOUND, f"there is no version {version_id}")
        rules = await asyncio.to_thread(rules_from_csv, stored)
        parsed = ParsedTable(rules, tuple(range(2, len(rules) + 2)), ())
        return await self.publish(
            stored.info.account,
            parsed,
            by,
            note=f"rollback to version {version_id}",
            rolled_back=version_id,
        )

    async def history(self, account: str | None = None) -> list[VersionInfo]:
        if account is not None:
            self.check_account(account)
        return await list_versions(self.sessions, account, HISTORY_LIMIT)

    async def notify(self, account: str, version_id: int) -> None:
        """Tell every process (this one included) to reload; the poll covers a lost notice."""
        await announce(self.cache, KIND, {"account": account, "version": version_id})
