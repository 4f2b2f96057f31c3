"""The live sales team of a running bot: seeded once, reloaded within 2 s, back from leave.

The team table (`storage.team`) is the truth; `[[leads.sales]]` only seeds it while it
is empty. Every process holds one `leads.team.Team` and swaps it whole on the "team"
notice or the poll (`bot.runtime.table_reload`), so assignment, staff chat, timers
and the admin site read the same people. `TeamReturns` brings people back at the
end of their leave, whichever process gets there first.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.runtime.limits import BACKGROUND_STOP_TIMEOUT_S, TEAM_RETURN_CHECK_S
from bot.runtime.periodic import Periodic
from bot.runtime.table_reload import TableReloader, announce
from channels.jobs import CHANNEL_CODES, EnsureCodes
from keywords.hours import shanghai
from leads.policy import SalesRep
from leads.team import Status, Team
from storage.cache import Cache
from storage.channels.directory import all_channels
from storage.database import SessionFactory
from storage.outbox import add_jobs
from storage.team.members import Member, back_at_work, due_back, read_team, save_member, seed_team

log = logging.getLogger(__name__)

KIND = "team"
SYSTEM = "system"


def as_rep(member: Member) -> SalesRep:
    return SalesRep(
        userid=member.userid,
        name=member.name,
        tags=member.tags,
        max_open=member.max_open,
        manager=member.manager,
        deputy=member.deputy,
        status=Status(member.status),
        away_until=member.away_until,
    )


def as_member(rep: SalesRep) -> Member:
    return Member(
        userid=rep.userid,
        name=rep.name,
        tags=rep.tags,
        max_open=rep.max_open,
        manager=rep.manager,
        deputy=rep.deputy,
        status=rep.status.value,
        away_until=rep.away_until,
    )


def local_day(now: datetime) -> date:
    """The Asia/Shanghai day of `now`: leave dates are the team's calendar days."""
    return now.astimezone(shanghai()).date()


async def load_team(
    sessions: SessionFactory, seed: Sequence[SalesRep], at: datetime
) -> tuple[SalesRep, ...]:
    """The team table, seeded from the config first if it is empty."""
    async with sessions.begin() as session:
        seeded = await seed_team(session, [as_member(rep) for rep in seed], at)
        members = await read_team(session)
    if seeded:
        log.info("sales team seeded from [[leads.sales]]: %d people", seeded)
    return tuple(as_rep(member) for member in members)


async def announce_team(cache: Cache, userid: str) -> None:
    """Tell every process the team changed (the poll covers a lost notice)."""
    try:
        await announce(cache, KIND, {"userid": userid})
    except Exception as error:  # the change is stored; the poll brings it within seconds
        log.warning("team notice not sent (%s); processes pick the change up by polling", error)


async def queue_rota_refresh(session: AsyncSession, at: datetime) -> int:
    """Queue `channel.codes` for each channel with a contact way: its rota skips or takes
    back whoever changed status (the job reads the team from the table)."""
    rows = [row for row in await all_channels(session) if row.way_config_id is not None]
    add_jobs(session, [CHANNEL_CODES.request("channels", EnsureCodes(row.key)) for row in rows], at)
    return len(rows)


class TeamReloader:
    """Swaps the team when the table differs from what this process serves."""

    def __init__(
        self, sessions: SessionFactory, cache: Cache, team: Team, poll_s: float | None = None
    ) -> None:
        self._sessions = sessions
        self._team = team
        self._on_swap: list[Callable[[], None]] = []
        extra = {} if poll_s is None else {"poll_s": poll_s}
        self._reloader = TableReloader(KIND, cache, self.refresh, **extra)

    def on_swap(self, hook: Callable[[], None]) -> None:
        self._on_swap.append(hook)

    async def start(self) -> None:
        await self._reloader.start()

    async def stop(self) -> None:
        await self._reloader.stop()

    async def refresh(self) -> bool:
        # The team is a few dozen rows: reading them all is the version check.
        async with self._sessions() as session:
            members = await read_team(session)
        if not self._team.swap(as_rep(member) for member in members):
            return False
        log.info("sales team reloaded: %d people", len(members))
        for hook in self._on_swap:
            hook()
        return True


class TeamReturns:
    """Brings people back from leave on their day: a periodic check with the clock passed in."""

    def __init__(
        self,
        sessions: SessionFactory,
        cache: Cache,
        *,
        clock: Callable[[], datetime],
        on_queued: Callable[[], None],
        interval_s: float = TEAM_RETURN_CHECK_S,
    ) -> None:
        self._sessions = sessions
        self._cache = cache
        self._clock = clock
        self._on_queued = on_queued
        self._loop = Periodic("team-returns", self._round, interval_s)

    def start(self) -> None:
        self._loop.start()

    async def stop(self) -> None:
        await self._loop.stop(BACKGROUND_STOP_TIMEOUT_S)

    async def _round(self) -> bool:
        await self.run_once()
        return False

    async def run_once(self) -> list[str]:
        """Those brought back now (rows locked with SKIP LOCKED: each returns once)."""
        now = self._clock()
        async with self._sessions.begin() as session:
            due = await due_back(session, local_day(now))
            for member in due:
                await save_member(session, back_at_work(member), SYSTEM, "return", now)
            if due:
                await queue_rota_refresh(session, now)
        for member in due:
            log.info("%s is back from leave", member.userid)
            await announce_team(self._cache, member.userid)
        if due:
            self._on_queued()
        return [member.userid for member in due]


@asynccontextmanager
async def live_team(
    seed: Sequence[SalesRep], sessions: SessionFactory, cache: Cache, at: datetime
) -> AsyncIterator[tuple[Team, TeamReloader]]:
    """The team, loaded (and seeded) before callbacks are served, kept current until closed."""
    team = Team(await load_team(sessions, seed, at), live=True)
    reloader = TeamReloader(sessions, cache, team)
    await reloader.start()
    try:
        yield team, reloader
    finally:
        await reloader.stop()
