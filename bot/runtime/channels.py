"""The live channel table of a running bot, swapped whole when ops publish another.

The table is the live published version (kind "channels", one scope for the whole
bot) or, while nothing was published, the file `[channels] file` names. Reloading is
every ops table's mechanism (`bot.runtime.table_reload`); after a swap the `on_swap`
hooks run (the code keeper re-times itself).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.config.settings import Settings
from bot.runtime.table_reload import TableReloader
from channels.model import ChannelTable
from channels.table_file import ChannelContext, ChannelsError, ParsedChannels, parse_channels
from keywords.problems import Problem
from storage.cache import Cache
from storage.database import SessionFactory
from storage.tables.versions import live_numbers, live_version
from storage.team.members import ACTIVE, AWAY, read_team

log = logging.getLogger(__name__)

KIND = "channels"
SCOPE = "*"  # one channel table for the whole bot; each channel names its account and app


def channel_context(settings: Settings, team: frozenset[str] | None = None) -> ChannelContext:
    """What a channel table is checked against: the configured accounts, apps and the team
    (`team`, from the team table, else `[[leads.sales]]`, its seed)."""
    seed = frozenset(rep.userid for rep in settings.leads.sales) if settings.leads else frozenset()
    staff = team or seed
    return ChannelContext(
        tuple(a.name for a in settings.wechat), tuple(a.name for a in settings.wecom), staff
    )


async def team_userids(sessions: SessionFactory, *, working: bool = False) -> frozenset[str]:
    """The team table's people who have not left (`working`: only those at work)."""
    async with sessions() as session:
        members = await read_team(session)
    wanted = {ACTIVE} if working else {ACTIVE, AWAY}
    return frozenset(m.userid for m in members if m.status in wanted)


@dataclass(frozen=True)
class LiveTable:
    table: ChannelTable
    version: int | None  # None: the configured file (nothing published yet)
    source: str
    text: str


def parsed_or_error(parsed: ParsedChannels, source: str) -> ChannelTable:
    if parsed.errors:
        raise ChannelsError(source, parsed.problems)
    return parsed.table


async def load_live(settings: Settings, sessions: SessionFactory) -> LiveTable:
    """What runs now: the live version, else the configured file, else no channels."""
    context = channel_context(settings)
    stored = await live_version(sessions, KIND, SCOPE)
    if stored is not None:
        source = f"version {stored.version.number}"
        parsed = await asyncio.to_thread(parse_channels, stored.body, source, context)
        return LiveTable(parsed_or_error(parsed, source), stored.version.number, source,
                         stored.body)  # fmt: skip
    return await load_configured(settings)


async def load_configured(settings: Settings) -> LiveTable:
    """The table of `[channels] file`, what runs while nothing is published; else none."""
    context = channel_context(settings)
    path = settings.channels.file
    if path is None:
        return LiveTable(ChannelTable(), None, "(none)", "")
    if not path.is_file():
        raise ChannelsError(str(path), [Problem(str(path), 0, "file", "does not exist")])
    text = await asyncio.to_thread(path.read_text, "utf-8-sig")
    parsed = await asyncio.to_thread(parse_channels, text, path.name, context)
    return LiveTable(parsed_or_error(parsed, str(path)), None, str(path), text)


class LiveChannels:
    """The channel table callbacks, steps and jobs read; swapped whole on a publish."""

    def __init__(self, live: LiveTable) -> None:
        self.live = live
        self._on_swap: list[Callable[[], None]] = []

    @property
    def table(self) -> ChannelTable:
        return self.live.table

    def on_swap(self, hook: Callable[[], None]) -> None:
        """Call `hook` after each swap (the code keeper looks at the new rotas)."""
        self._on_swap.append(hook)

    def swap(self, live: LiveTable) -> None:
        self.live = live
        for hook in self._on_swap:
            hook()


class ChannelReloader:
    """Reloads the table when the live version changes (notice + poll)."""

    def __init__(
        self, settings: Settings, sessions: SessionFactory, cache: Cache, channels: LiveChannels,
        poll_s: float | None = None,
    ) -> None:  # fmt: skip
        self._settings = settings
        self._sessions = sessions
        self._channels = channels
        extra = {} if poll_s is None else {"poll_s": poll_s}
        self._reloader = TableReloader(KIND, cache, self.refresh, **extra)

    async def start(self) -> None:
        await self._reloader.start()

    async def stop(self) -> None:
        await self._reloader.stop()

    async def refresh(self) -> bool:
        live = (await live_numbers(self._sessions, KIND)).get(SCOPE)
        if live is None or live == self._channels.live.version:
            return False
        self._channels.swap(await load_live(self._settings, self._sessions))
        log.info("channel table reloaded: version %s", live)
        return True


@asynccontextmanager
async def live_channels(
    settings: Settings, sessions: SessionFactory, cache: Cache
) -> AsyncIterator[LiveChannels]:
    """The live table, loaded before callbacks are served and kept current until closed."""
    channels = LiveChannels(await load_live(settings, sessions))
    reloader = ChannelReloader(settings, sessions, cache, channels)
    await reloader.start()
    try:
        yield channels
    finally:
        await reloader.stop()
