"""What salespeople do to leads from WeCom: claim, set state, note, transfer, look up.

Each method runs inside the caller's transaction and answers with the text the
salesperson sees; refusals are answers too (`Answer.ok` is False), never silence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import text_job
from leads.assignment import has_room
from leads.intake import LeadIntake, summarize, team_load
from leads.lifecycle import OPEN_STATES, LeadState
from leads.limits import TIMELINE_ENTRIES
from leads.views import lead_card_text, lead_line, owner_name, start_of_day
from leads.wording import Listing, Message, Said, say, verbatim
from storage import leads_repo as repo
from storage.lead_models import Lead
from storage.outbox import add_jobs


@dataclass(frozen=True)
class Answer:
    ok: bool
    message: Said

    @property
    def text(self) -> str:
        """In Chinese: for notices that go to staff outside a command (card clicks)."""
        return self.message.render()


def _yes(key: str, **fields: object) -> Answer:
    return Answer(True, say(key, **fields))


def _no(key: str, **fields: object) -> Answer:
    return Answer(False, say(key, **fields))


class SalesActions:
    """Lead operations on behalf of one configured salesperson or manager."""

    def __init__(self, intake: LeadIntake, clock: Callable[[], datetime]) -> None:
        self._intake = intake
        self.policy = intake.policy
        self._clock = clock

    def now(self) -> datetime:
        return self._clock()

    def _may_work(self, userid: str, lead: Lead) -> bool:
        """The owner, or the owner's manager."""
        if lead.owner is None:
            return False
        owner = self.policy.rep(lead.owner)
        return lead.owner == userid or (owner is not None and owner.manager == userid)

    async def _lead(self, session: AsyncSession, lead_id: int) -> Lead | Answer:
        # The assignment lock before the lead's row, in the order a wave takes them (see
        # `LeadTimers.sweep`): an action may change the owner or the state, whose
        # `lead_load` triggers take the lock.
        await repo.lock_assignments(session)
        lead = await repo.lead_by_id(session, lead_id)
        return lead if lead is not None else _no("no_lead", id=lead_id)

    async def claim(self, session: AsyncSession, userid: str, lead_id: int) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        now = self._clock()
        refusal = self._claim_refusal(lead, userid)
        if refusal is None and lead.owner is None:
            refusal = await self._pool_claim_refusal(session, userid, now)
        if refusal is not None:
            return refusal
        before = lead.state
        if lead.state == LeadState.DORMANT:
            # Taken up again: its dormancy counts from now, or the next sweep would put
            # it straight back in the pool (and re-send today's dormant notice).
            lead.state = LeadState.NEW
            lead.active_at = now
        lead.owner = userid
        lead.claimed_at = lead.followed_up_at = now
        lead.assigned_at = lead.assigned_at or now
        lead.escalation = 0
        await repo.add_event(session, lead, "claimed", userid, now, from_state=before)
        return _yes("claimed", id=lead_id)

    def _claim_refusal(self, lead: Lead, userid: str) -> Answer | None:
        if lead.locked:
            return _no("claim_locked", id=lead.id)
        if lead.state not in (*OPEN_STATES, LeadState.DORMANT):
            return _no("claim_closed", id=lead.id, state=LeadState(lead.state))
        if lead.owner == userid and lead.claimed_at is not None:
            return _yes("already_yours", id=lead.id)
        if lead.owner not in (None, userid):
            return _no("assigned_to", id=lead.id, owner=owner_name(self.policy, lead.owner))
        return None

    async def _pool_claim_refusal(
        self, session: AsyncSession, userid: str, now: datetime
    ) -> Answer | None:
        rep = self.policy.rep(userid)
        # The lock first: a wave being assigned cannot fill the room this claim sees.
        await repo.lock_assignments(session)
        if rep is not None and not has_room(rep, await team_load(session)):
            return _no("at_capacity", max=rep.max_open)
        claimed = await repo.count_events(session, ["claimed"], start_of_day(now), actor=userid)
        if claimed >= self.policy.daily_claim_cap:
            return _no("daily_cap", claimed=claimed, cap=self.policy.daily_claim_cap)
        return None

    async def set_state(
        self, session: AsyncSession, userid: str, lead_id: int, state: LeadState
    ) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if lead.locked:
            return _no("state_locked", id=lead_id)
        if not self._may_work(userid, lead):
            return _no("not_yours", id=lead_id, owner=owner_name(self.policy, lead.owner))
        if lead.state == state:
            return _yes("same_state", id=lead_id, state=state)
        now = self._clock()
        before = lead.state
        lead.state = state
        lead.claimed_at = lead.claimed_at or now
        lead.followed_up_at = now
        lead.escalation = 0
        if state == LeadState.WON:
            lead.locked = True
        await repo.add_event(session, lead, "state", userid, now, from_state=before)
        if self._intake.observer is not None:
            # Journeys start on a lead state, and end on one (a won lead leaves nurture).
            await self._intake.observer.on_lead_state(session, lead.profile_id, state)
        key = "state_changed_locked" if lead.locked else "state_changed"
        return _yes(key, id=lead_id, before=LeadState(before), after=state)

    async def note(self, session: AsyncSession, userid: str, lead_id: int, text: str) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not self._may_work(userid, lead):
            return _no("note_not_yours", id=lead_id)
        now = self._clock()
        lead.followed_up_at = now
        lead.claimed_at = lead.claimed_at or now
        lead.escalation = 0
        await repo.add_event(session, lead, "note", userid, now, detail=text)
        return _yes("noted", id=lead_id)

    async def transfer(
        self, session: AsyncSession, userid: str, lead_id: int, target: str,
        *, authorized: bool = False,
    ) -> Answer:  # fmt: skip
        """`authorized`: the caller checked the permission itself (the admin site's
        managers are not WeCom users, so `userid` there names an admin account)."""
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not authorized and not self._may_work(userid, lead):
            return _no("transfer_not_yours", id=lead_id)
        rep = self.policy.rep(target)
        if rep is None or not self.policy.team.takes_leads(target):
            names = "、".join(r.userid for r in self.policy.team.available())
            return _no("not_sales", target=target, names=names)
        if target == lead.owner:
            return _no("already_theirs", id=lead_id, owner=owner_name(self.policy, target))
        await repo.lock_assignments(session)
        if not has_room(rep, await team_load(session)):
            return _no("their_capacity", owner=owner_name(self.policy, target), max=rep.max_open)
        now = self._clock()
        lead.owner = target
        lead.assigned_at = now
        lead.claimed_at = None
        lead.escalation = 0
        event = await repo.add_event(session, lead, "transferred", userid, now)
        await self._intake.alert(session, lead, target, f"{userid} 转给你的线索", event.id)
        return _yes("transferred", id=lead_id, owner=owner_name(self.policy, target))

    async def show(self, session: AsyncSession, lead_id: int) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        summary = await summarize(session, lead)
        events = await repo.timeline(session, lead.id, TIMELINE_ENTRIES)
        return Answer(True, verbatim(lead_card_text(self.policy, lead, summary, events)))

    async def mine(self, session: AsyncSession, userid: str) -> Answer:
        leads = await repo.leads_owned(session, userid, OPEN_STATES)
        if not leads:
            return _yes("mine_none")
        now = self._clock()
        return Answer(True, _listing("mine_head", [lead_line(lead, now) for lead in leads]))

    async def pool(self, session: AsyncSession) -> Answer:
        pooled = await repo.leads_owned(session, None, (*OPEN_STATES, LeadState.DORMANT))
        # Higher grade first, then the oldest: the order sales should work the pool in.
        leads = sorted(pooled, key=lambda lead: (self.policy.grade_rank(lead.grade), lead.id))
        if not leads:
            return _yes("pool_none")
        now = self._clock()
        lines = [lead_line(lead, now) for lead in leads[:20]]
        return Answer(True, _listing("pool_head", lines, len(leads), tail="pool_tail"))

    async def today(self, session: AsyncSession, userid: str) -> Answer:
        since = start_of_day(self._clock())

        async def count(kinds: list[str], **who: str) -> int:
            return await repo.count_events(session, kinds, since, **who)

        mine_open = len(await repo.leads_owned(session, userid, OPEN_STATES))
        pooled = len(await repo.leads_owned(session, None, OPEN_STATES))
        return _yes(
            "today",
            assigned=await count(["assigned", "transferred"], owner=userid),
            claimed=await count(["claimed"], actor=userid),
            followed=await count(["state", "note"], actor=userid),
            open=mine_open,
            created=await count(["created"]),
            team_claimed=await count(["claimed"]),
            won=await count(["state"], to_state=LeadState.WON),
            pooled=pooled,
        )

    async def unlock(
        self, session: AsyncSession, userid: str, lead_id: int, *, authorized: bool = False
    ) -> Answer:
        if not authorized and not self.policy.is_manager(userid):
            return _no("managers_only")
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not lead.locked:
            return _yes("not_locked", id=lead_id)
        lead.locked = False
        now = self._clock()
        await repo.add_event(session, lead, "unlocked", userid, now)
        if lead.owner and lead.owner != userid:
            notice = f"线索 #{lead_id} 已被 {userid} 解锁"
            add_jobs(session, [text_job(self.policy.wecom, [lead.owner], notice, None)], now)
        return _yes("unlocked", id=lead_id)


def _listing(head: str, lines: list[Message], count: int | None = None, tail: str = "") -> Listing:
    total = len(lines) if count is None else count
    return Listing(say(head, count=total), tuple(lines), say(tail) if tail else None)
