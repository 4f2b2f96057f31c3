"""The sales team's operations, shared by `wxbot team` and the admin site.

Each change is checked against the whole team (`leads.team_rules`), stored with its
audit entry in one transaction (`storage.team.members`), and announced, so every
running process serves it within 2 s (`bot.runtime.team`). A status change also
queues each contact way's `channel.codes`, so rotas drop or take back the person.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from enum import StrEnum

from bot.errors import WxbotError
from bot.runtime.team import (
    announce_team,
    as_member,
    as_rep,
    load_team,
    local_day,
    queue_rota_refresh,
)
from filecheck.wording import N_, Wording
from leads.handover import CustomerMover, Handover, HandoverDone, HandoverRefused
from leads.intake import team_load
from leads.lifecycle import OPEN_STATES
from leads.policy import LeadPolicy, SalesRep
from leads.team import Status, Team
from leads.team_rules import member_problems
from storage import leads_repo
from storage.admin_users import add_audit
from storage.cache import Cache
from storage.database import SessionFactory
from storage.team.handovers import HandoverRecord, handovers_from
from storage.team.members import (
    add_member,
    delete_member,
    read_team,
    read_team_to_change,
    save_member,
)


class TeamOpsError(WxbotError):
    """A change refused: `unknown` (exit 2: no such person) or its `problems` (exit 1)."""

    def __init__(
        self, message: Wording, problems: Sequence[Wording] = (), *, unknown: bool = False
    ) -> None:
        super().__init__(str(message))
        self.wording = message
        self.message = str(message)
        self.problems = tuple(problems)
        self.unknown = unknown


@dataclass(frozen=True)
class TeamLine:
    """One salesperson with their open leads (the maintained `lead_load`)."""

    rep: SalesRep
    open_leads: int


# What `edit` may change.
EDITABLE = frozenset({"name", "tags", "max_open", "manager", "deputy"})


class TeamOps:
    """Reads and changes the team table for a person `actor` (see the module docstring)."""

    def __init__(
        self,
        rules: LeadPolicy,
        sessions: SessionFactory,
        cache: Cache,
        *,
        clock: Callable[[], datetime],
        mover: CustomerMover | None = None,
    ) -> None:
        self._rules = rules
        self.sessions = sessions
        self._cache = cache
        self._clock = clock
        self._mover = mover

    async def start(self) -> None:
        """Seed the table from `[[leads.sales]]` if it is empty (as a bot's start does)."""
        await load_team(self.sessions, self._rules.sales, self._clock())

    async def team(self) -> list[TeamLine]:
        async with self.sessions() as session:
            members = await read_team(session)
            load = await team_load(session)
        return [TeamLine(as_rep(m), load.open_counts.get(m.userid, 0)) for m in members]

    async def line(self, userid: str) -> TeamLine:
        found = next((line for line in await self.team() if line.rep.userid == userid), None)
        if found is None:
            raise await self._unknown(userid)
        return found

    async def add(self, actor: str, rep: SalesRep) -> SalesRep:
        async with self.sessions.begin() as session:
            team = [as_rep(m) for m in await read_team_to_change(session)]
            taken = any(other.userid == rep.userid for other in team)
            problems = [Wording(N_("%(userid)s is already on the team"), who(rep.userid))] * taken
            problems += member_problems([*team, rep], rep, local_day(self._clock()))
            self._refuse(Wording(N_("cannot add %(userid)s"), who(rep.userid)), problems)
            await add_member(session, as_member(rep), actor, self._clock())
        await announce_team(self._cache, rep.userid)
        return rep

    async def edit(self, actor: str, userid: str, **changes: object) -> SalesRep:
        wrong = sorted(set(changes) - EDITABLE)
        if wrong:
            fields = {"fields": ", ".join(wrong)}
            raise TeamOpsError(Wording(N_("cannot edit %(fields)s"), fields), unknown=True)
        return await self._change(actor, userid, "edit", changes)

    async def leave(
        self, actor: str, userid: str, until: date, deputy: str | None = None
    ) -> SalesRep:
        """On leave until `until` (back that day); their deputy if named."""
        changes: dict[str, object] = {"status": Status.AWAY, "away_until": until}
        if deputy is not None:
            changes["deputy"] = deputy
        return await self._change(actor, userid, "leave", changes)

    async def mark_left(self, actor: str, userid: str) -> SalesRep:
        """Has left the company: no leads, no rotas; hand their leads over next."""
        return await self._change(
            actor, userid, "left", {"status": Status.LEFT, "away_until": None}
        )

    async def back(self, actor: str, userid: str) -> SalesRep:
        return await self._change(
            actor, userid, "return", {"status": Status.ACTIVE, "away_until": None}
        )

    async def remove(self, actor: str, userid: str) -> None:
        """Off the table, only with no open leads (hand them over first)."""
        async with self.sessions.begin() as session:
            team = [as_rep(m) for m in await read_team_to_change(session)]
            if not any(rep.userid == userid for rep in team):
                raise await self._unknown(userid)
            owned = await leads_repo.leads_owned(session, userid, OPEN_STATES)
            leads: dict[str, str | int | StrEnum | Wording] = {
                "userid": userid,
                "count": len(owned),
            }
            problems = [
                Wording(N_("%(userid)s has %(count)s open leads: hand them over first"), leads)
            ] * bool(owned)
            problems += [
                Wording(template, {"userid": rep.userid, "named": userid})
                for rep in team
                for template, named in (
                    (N_("%(userid)s names %(named)s as their manager"), rep.manager),
                    (N_("%(userid)s names %(named)s as their deputy"), rep.deputy),
                )
                if named == userid
            ]
            self._refuse(Wording(N_("cannot remove %(userid)s"), who(userid)), problems)
            await delete_member(session, userid, actor, self._clock())
            await queue_rota_refresh(session, self._clock())
        await announce_team(self._cache, userid)

    async def handover(
        self,
        actor: str,
        from_userid: str,
        *,
        to: str | None = None,
        lead_ids: Collection[int] | None = None,
        reason: str = "",
        lead_actor: str | None = None,
    ) -> HandoverDone:
        """Hand `from_userid`'s open leads (or `lead_ids`) over: by the rules, or to `to`.

        `lead_actor` names the manager in the leads' history when it differs from the
        audit's name (the admin site's "admin:NAME", as its other lead actions)."""
        async with self.sessions.begin() as session:
            team = Team((as_rep(m) for m in await read_team(session)), live=True)
            person = team.rep(from_userid)
            if person is None:
                raise await self._unknown(from_userid)
            handover = Handover(replace(self._rules, team=team), self._clock, self._mover)
            try:
                done = await handover.run(
                    session, actor=lead_actor or actor, from_userid=from_userid, to=to,
                    lead_ids=lead_ids, reason=reason, employed=person.status != Status.LEFT,
                )  # fmt: skip
            except HandoverRefused as refused:
                message = Wording(N_("cannot hand over the leads of %(userid)s"), who(from_userid))
                raise TeamOpsError(message, refused.problems) from None
            owners = {str(lead): owner for lead, owner in done.owners.items()}
            detail = {"handover": done.handover_id, "to": to, "reason": reason, "owners": owners}
            add_audit(session, actor=actor, action="team.handover", target=from_userid,
                      detail=json.dumps(detail, ensure_ascii=False), at=self._clock())  # fmt: skip
        return done

    async def handovers(self, userid: str) -> list[HandoverRecord]:
        async with self.sessions() as session:
            return await handovers_from(session, userid)

    async def _change(
        self, actor: str, userid: str, action: str, changes: dict[str, object]
    ) -> SalesRep:
        async with self.sessions.begin() as session:
            team = [as_rep(m) for m in await read_team_to_change(session)]
            before = next((rep for rep in team if rep.userid == userid), None)
            if before is None:
                raise await self._unknown(userid)
            after = replace(before, **changes)  # type: ignore[arg-type]
            updated = [after if rep.userid == userid else rep for rep in team]
            problems = member_problems(updated, after, local_day(self._clock()))
            self._refuse(Wording(REFUSALS[action], who(userid)), problems)
            await save_member(session, as_member(after), actor, action, self._clock())
            if after.status != before.status:
                await queue_rota_refresh(session, self._clock())
        await announce_team(self._cache, userid)
        return after

    @staticmethod
    def _refuse(message: Wording, problems: Sequence[Wording]) -> None:
        if problems:
            raise TeamOpsError(message, problems)

    async def _unknown(self, userid: str) -> TeamOpsError:
        async with self.sessions() as session:
            known = ", ".join(m.userid for m in await read_team(session)) or "-"
        template = N_("no salesperson %(userid)s (the team: %(team)s)")
        return TeamOpsError(
            Wording(template, {"userid": repr(userid), "team": known}), unknown=True
        )


def who(userid: str) -> dict[str, str | int | StrEnum | Wording]:
    return {"userid": userid}


# Each change's refusal, by the audit's action name.
REFUSALS = {
    "edit": N_("cannot edit %(userid)s"),
    "leave": N_("cannot give %(userid)s leave"),
    "left": N_("cannot mark %(userid)s as left"),
    "return": N_("cannot bring %(userid)s back"),
}
