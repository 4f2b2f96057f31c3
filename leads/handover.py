"""A manager hands someone's open leads over: by the assignment rules or to one person.

The plan is pure (`plan_handover`: tags first, room, round robin, exactly as a wave of
new leads is planned, from the same `TeamLoad`); `Handover.run` writes it in the
caller's transaction under the assignment lock: the owners, one "transferred"
timeline entry per lead saying who handed it over and why, one digest card per new
owner (a job keyed by hand-over and owner, so it is queued once whatever happens),
and then the `CustomerMover` moves the WeCom customers with their leads.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple, Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from filecheck.wording import N_, Wording
from leads.alerts import handover_digest_job
from leads.assignment import TeamLoad, after_assignment, pick_owner
from leads.intake import team_load
from leads.lifecycle import OPEN_STATES, label
from leads.policy import LeadPolicy
from storage import leads_repo as repo
from storage.lead_models import Lead
from storage.leads.cards import tags_of
from storage.outbox import add_jobs_once
from storage.team.handovers import add_handover, set_count


class CustomerMove(NamedTuple):
    """One lead's WeCom customer to move: the lead, its new owner, the customer (if known)."""

    lead_id: int
    new_owner: str
    external_userid: str | None


class CustomerMover(Protocol):
    """Moves the WeCom customers of handed-over leads (WeCom's customer transfer).

    Called in the hand-over's transaction after the leads changed owner; `employed`
    says whether the person handing over is still in the corp (WeCom has one transfer
    API for each case).
    """

    async def move(
        self,
        session: AsyncSession,
        handover_id: int,
        from_userid: str,
        moves: Sequence[CustomerMove],
        employed: bool,
    ) -> None: ...


class NoCustomerMove:
    """The default mover: leads move, WeCom customers stay (no transfer configured)."""

    async def move(
        self,
        session: AsyncSession,
        handover_id: int,
        from_userid: str,
        moves: Sequence[CustomerMove],
        employed: bool,
    ) -> None:
        del session, handover_id, from_userid, moves, employed


class HandoverRefused(Exception):
    """The hand-over cannot be made as asked; nothing was changed."""

    def __init__(self, problems: Sequence[Wording]) -> None:
        super().__init__("; ".join(str(problem) for problem in problems))
        self.problems = tuple(problems)


def plan_handover(
    policy: LeadPolicy,
    leads: Sequence[tuple[int, Sequence[str]]],
    load: TeamLoad,
    from_userid: str,
    to: str | None = None,
) -> dict[int, str | None]:
    """Lead id → its new owner (None: the pool, nobody had room), in the leads' order.

    By the rules (`to` None) each lead is assigned as a new lead would be, never to
    `from_userid`; the load moves with each pick, so nobody passes `max_open`. To one
    person, every lead goes to them (the caller checked their room).
    """
    plan: dict[int, str | None] = {}
    for lead_id, tags in leads:
        if to is not None:
            plan[lead_id] = to
            continue
        rep = pick_owner(policy, tags, load, exclude={from_userid})
        plan[lead_id] = None if rep is None else rep.userid
        if rep is not None:
            load = after_assignment(load, rep.userid)
    return plan


@dataclass(frozen=True)
class HandoverDone:
    """What a hand-over did: its id and lead → new owner (None: the pool)."""

    handover_id: int
    owners: Mapping[int, str | None]
    inherited: Mapping[str, list[int]] = field(default_factory=dict)


class Handover:
    """Runs hand-overs in the caller's transaction (see the module docstring)."""

    def __init__(
        self,
        policy: LeadPolicy,
        clock: Callable[[], datetime],
        mover: CustomerMover | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self._mover = mover or NoCustomerMove()

    async def run(
        self,
        session: AsyncSession,
        *,
        actor: str,
        from_userid: str,
        to: str | None = None,
        lead_ids: Collection[int] | None = None,
        reason: str = "",
        employed: bool = True,
    ) -> HandoverDone:
        """Hand `from_userid`'s open leads (or those of `lead_ids`) over; refused as a whole."""
        # The lock before the leads' rows, as every writer of owners (`LeadTimers.sweep`).
        await repo.lock_assignments(session)
        owned = await repo.leads_owned(session, from_userid, OPEN_STATES)
        leads = self._chosen(owned, from_userid, lead_ids)
        load = await team_load(session)
        self._check_target(to, from_userid, len(leads), load)
        tags = await tags_of(session, [lead.profile_id for lead in leads])
        plan = plan_handover(
            self.policy, [(lead.id, tags.get(lead.profile_id, ())) for lead in leads], load,
            from_userid, to,
        )  # fmt: skip
        now = self._clock()
        handover_id = await add_handover(
            session, from_userid=from_userid, to_userid=to, actor=actor, reason=reason,
            employed=employed, at=now,
        )  # fmt: skip
        inherited: dict[str, list[Lead]] = {}
        for lead in leads:
            owner = plan[lead.id]
            lead.owner = owner
            lead.assigned_at = now
            lead.claimed_at = None
            lead.escalation = 0
            detail = f"交接 #{handover_id}：{from_userid} → {owner or '公海'}" + (
                f"；{reason}" if reason else ""
            )
            kind = "transferred" if owner else "pooled"
            await repo.add_event(session, lead, kind, actor, now, detail=detail)
            if owner is not None:
                inherited.setdefault(owner, []).append(lead)
        await set_count(session, handover_id, len(leads))
        await self._queue_digests(session, handover_id, from_userid, inherited, now)
        moves = [
            CustomerMove(lead.id, owner, lead.external_userid)
            for owner, given in inherited.items()
            for lead in given
        ]
        await self._mover.move(session, handover_id, from_userid, moves, employed)
        return HandoverDone(
            handover_id,
            plan,
            {owner: [lead.id for lead in given] for owner, given in inherited.items()},
        )

    def _chosen(
        self, owned: Sequence[Lead], from_userid: str, lead_ids: Collection[int] | None
    ) -> list[Lead]:
        if lead_ids is None:
            return list(owned)
        mine = {lead.id: lead for lead in owned}
        strangers = sorted(set(lead_ids) - set(mine))
        if strangers:
            listed = ", ".join(f"#{lead_id}" for lead_id in strangers)
            found = {"userid": from_userid, "leads": listed}
            raise HandoverRefused([Wording(N_("not open leads of %(userid)s: %(leads)s"), found)])
        return [mine[lead_id] for lead_id in sorted(set(lead_ids))]

    def _check_target(self, to: str | None, from_userid: str, count: int, load: TeamLoad) -> None:
        if to is None:
            return
        rep, named = self.policy.rep(to), {"to": to}
        if rep is None:
            raise HandoverRefused([Wording(N_("%(to)s is not on the sales team"), named)])
        if to == from_userid:
            raise HandoverRefused([Wording(N_("%(to)s cannot take their own leads"), named)])
        if not self.policy.team.takes_leads(to):
            raise HandoverRefused(
                [Wording(N_("%(to)s is away or has left: they take no leads"), named)]
            )
        if rep.max_open is not None:
            room = max(rep.max_open - load.open_counts.get(to, 0), 0)
            if count > room:
                template = N_("%(to)s has room for %(room)s more open leads, not %(count)s")
                raise HandoverRefused([Wording(template, {"to": to, "room": room, "count": count})])

    async def _queue_digests(
        self,
        session: AsyncSession,
        handover_id: int,
        from_userid: str,
        inherited: Mapping[str, Sequence[Lead]],
        now: datetime,
    ) -> None:
        rep = self.policy.rep(from_userid)
        name = rep.name if rep is not None else from_userid
        jobs = [
            handover_digest_job(
                self.policy.wecom,
                owner,
                handover_id,
                name,
                [_lead_line(lead) for lead in given],
            )
            for owner, given in inherited.items()
        ]
        await add_jobs_once(session, jobs, now)


def _lead_line(lead: Lead) -> str:
    grade = f" · {lead.grade} 级" if lead.grade else ""
    return f"#{lead.id}{grade} · {label(lead.state)}"
