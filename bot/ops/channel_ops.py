"""What ops do with the channel table, shared by the CLI and the admin site.

The lifecycle is every ops table's: versions in `storage.tables` (audited), the notice
of `bot.runtime.table_reload`. A publish also brings the directory in line (names and
groups for SQL) and queues a `channel.codes` job per channel, which makes the codes.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from bot.config.settings import Settings
from bot.errors import WxbotError
from bot.ops.limits import HISTORY_LIMIT
from bot.runtime.channel_references import configured_references
from bot.runtime.channels import (
    KIND,
    SCOPE,
    LiveTable,
    channel_context,
    load_live,
    team_userids,
)
from bot.runtime.table_reload import announce
from channels.diff import diff_tables
from channels.jobs import CHANNEL_CODES, EnsureCodes
from channels.model import ChannelTable
from channels.references import unknown_references
from channels.table_file import ChannelsError, ParsedChannels, parse_channels
from keywords.problems import Problem
from storage.cache import Cache
from storage.channels.directory import Listed, all_channels, sync_directory
from storage.database import SessionFactory
from storage.outbox import add_jobs
from storage.tables.versions import NewVersion, Version, get_version, list_versions, publish_version
from storage.types import utc_now


def _names_others(way_users: str | None, team: frozenset[str]) -> bool:
    return bool(set(filter(None, (way_users or "").split("|"))) - team)


class ChannelOpsError(WxbotError):
    """A request that cannot be done: `invalid` (the table has problems: exit 1) or not."""

    def __init__(self, message: str, problems: tuple[Problem, ...] = (), *, invalid: bool) -> None:
        self.message, self.problems, self.invalid = message, problems, invalid
        super().__init__(message)


@dataclass(frozen=True)
class Published:
    version: Version
    warnings: tuple[Problem, ...]


def listed(table: ChannelTable) -> list[Listed]:
    """The directory's view of a table."""
    return [
        Listed(
            key=c.key, name=c.name, group=c.group, cost=c.cost, enabled=c.enabled,
            qr_account=c.qr.account if c.qr else None, qr_kind=c.qr.kind.value if c.qr else None,
            way_app=c.wecom.app if c.wecom else None,
        )
        for c in table.channels
    ]  # fmt: skip


@dataclass(frozen=True)
class ChannelStore:
    """The dependencies of every channel operation."""

    settings: Settings
    sessions: SessionFactory
    cache: Cache

    async def check(self, text: str, source: str) -> ParsedChannels:
        """The table's problems, and (once it has no errors) a warning for each channel or
        group that a grade or a journey condition names and this table lacks."""
        context = channel_context(self.settings, await team_userids(self.sessions))
        parsed = await asyncio.to_thread(parse_channels, text, source, context)
        if parsed.errors:
            # A channel with an error is left out of the table, so every grade or journey
            # naming it would be warned about too: one mistake, one problem.
            return parsed
        references = await asyncio.to_thread(configured_references, self.settings)
        unknown = unknown_references(parsed.table, references)
        return ParsedChannels(parsed.table, (*parsed.problems, *unknown))

    async def live(self) -> LiveTable:
        return await load_live(self.settings, self.sessions)

    async def publish(
        self, text: str, source: str, by: str, *, note: str = "", from_version: int | None = None
    ) -> Published:
        """Store `text` as the live table (audited) and make every process switch to it;
        `from_version`: the version a rollback brings back."""
        parsed = await self.check(text, source)
        if parsed.errors:
            raise ChannelOpsError(f"{source} has errors", parsed.problems, invalid=True)
        try:
            current = (await self.live()).table
        except ChannelsError:  # a broken file runs nothing: publishing is the way out of it
            current = ChannelTable()
        diff = diff_tables(current, parsed.table)
        version = await publish_version(
            self.sessions,
            NewVersion(KIND, SCOPE, text, len(parsed.table.channels), by, diff.summary(),
                       note or source, "publish" if from_version is None else "rollback",
                       # The keys for the audit log, as keyword and menu publishes give theirs.
                       changes={"added": list(diff.added), "removed": list(diff.removed),
                                "changed": list(diff.changed)},
                       from_version=from_version),
        )  # fmt: skip
        await self.apply(parsed.table)
        await announce(self.cache, KIND, {"scope": SCOPE, "version": version.number})
        warnings = tuple(p for p in parsed.problems if p not in parsed.errors)
        return Published(version, warnings)

    async def apply(self, table: ChannelTable) -> None:
        """The directory says what the table says; each code is brought in line."""
        now = utc_now()
        await sync_directory(self.sessions, listed(table), now)
        jobs = [
            CHANNEL_CODES.request("channels", EnsureCodes(c.key))
            for c in table.channels
            if c.enabled and (c.qr or c.wecom)
        ]
        async with self.sessions.begin() as session:
            add_jobs(session, jobs, now)

    async def start(self, table: ChannelTable) -> None:
        """At start: the directory from the live table, and jobs for codes never made and
        for contact ways that name someone no longer on the sales team."""
        now = utc_now()
        await sync_directory(self.sessions, listed(table), now)
        team = channel_context(self.settings, await team_userids(self.sessions, working=True)).staff
        async with self.sessions.begin() as session:
            rows = {row.key: row for row in await all_channels(session)}
            missing = [
                c.key
                for c in table.channels
                if c.enabled
                and (
                    (c.qr and not rows[c.key].qr_ticket)
                    or (c.wecom and not rows[c.key].way_config_id)
                    or (c.wecom and team and _names_others(rows[c.key].way_users, team))
                )
            ]
            add_jobs(
                session, [CHANNEL_CODES.request("channels", EnsureCodes(k)) for k in missing], now
            )

    async def rollback(self, number: int, by: str) -> Published:
        stored = await get_version(self.sessions, KIND, number)
        if stored is None:
            raise ChannelOpsError(f"there is no channels version {number}", invalid=False)
        note = f"rollback to version {number}"
        return await self.publish(stored.body, f"version {number}", by, note=note,
                                  from_version=number)  # fmt: skip

    async def history(self) -> list[Version]:
        return await list_versions(self.sessions, KIND, SCOPE, HISTORY_LIMIT)
