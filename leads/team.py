"""The sales team a process works with: who takes leads, who stands in for whom.

One `Team` per process, swapped whole when the team table changes
(`bot.runtime.team`), so assignment, staff chat, timers, rotas and the admin site
read the same people. Pure: no I/O here.
"""

from __future__ import annotations

from collections.abc import Iterable
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from leads.policy import SalesRep


class Status(StrEnum):
    """Whether someone takes leads: at work, on leave until a day, or gone for good."""

    ACTIVE = "active"
    AWAY = "away"
    LEFT = "left"


class Team:
    """The team now; `live` once it came from the team table (else the config's seed)."""

    def __init__(self, reps: Iterable[SalesRep] = (), *, live: bool = False) -> None:
        self._reps: tuple[SalesRep, ...] = tuple(reps)
        self.live = live

    @property
    def reps(self) -> tuple[SalesRep, ...]:
        """Everyone, those away and those who left included (their names stay readable)."""
        return self._reps

    def swap(self, reps: Iterable[SalesRep]) -> bool:
        """Serve `reps` from now on; whether anything changed."""
        new = tuple(reps)
        changed = new != self._reps
        self._reps, self.live = new, True
        return changed

    def rep(self, userid: str | None) -> SalesRep | None:
        return next((rep for rep in self._reps if rep.userid == userid), None)

    def available(self) -> tuple[SalesRep, ...]:
        """Who takes new leads and sits in rotas: the active, in team order."""
        return tuple(rep for rep in self._reps if rep.status == Status.ACTIVE)

    def takes_leads(self, userid: str) -> bool:
        rep = self.rep(userid)
        return rep is not None and rep.status == Status.ACTIVE

    def on_staff(self, userid: str) -> bool:
        """A salesperson or a manager who has not left: staff chat answers them."""
        rep = self.rep(userid)
        if rep is not None:
            return rep.status != Status.LEFT
        return self.is_manager(userid)

    def unavailable(self) -> frozenset[str]:
        """Those a rota must skip: away or left."""
        return frozenset(rep.userid for rep in self._reps if rep.status != Status.ACTIVE)

    def manager_of(self, userid: str) -> str | None:
        """`userid`'s manager as the team names them now: the one way to find a manager
        (hand-over notices, failed transfers, reconciliation); None if nobody."""
        rep = self.rep(userid)
        return None if rep is None else rep.manager

    def is_manager(self, userid: str) -> bool:
        """Managers named by any salesperson may unlock, reassign and hand over leads."""
        return any(rep.manager == userid for rep in self._reps)

    def recipient(self, userid: str) -> str:
        """Who gets `userid`'s alerts and reminders now.

        Themselves while active (or not on the team); while away or gone, their
        deputy if the deputy is at work, else their manager, else still themselves
        (WeCom keeps the message for when they are back).
        """
        rep = self.rep(userid)
        if rep is None or rep.status == Status.ACTIVE:
            return userid
        if rep.deputy and self.takes_leads(rep.deputy):
            return rep.deputy
        return rep.manager or userid

    def recipients(self, userids: Iterable[str]) -> list[str]:
        """`recipient` of each, once each, in order."""
        return list(dict.fromkeys(self.recipient(userid) for userid in userids))
