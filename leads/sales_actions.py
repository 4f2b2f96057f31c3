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
from leads.assignment import TeamLoad, has_room
from leads.intake import LeadIntake, summarize
from leads.lifecycle import OPEN_STATES, LeadState, label
from leads.limits import TIMELINE_ENTRIES
from leads.views import lead_card_text, lead_line, owner_name, start_of_day
from storage import leads_repo as repo
from storage.interactions import add_jobs
from storage.lead_models import Lead


@dataclass(frozen=True)
class Answer:
    ok: bool
    text: str


def _no(text: str) -> Answer:
    return Answer(False, text)


class SalesActions:
    """Lead operations on behalf of one configured salesperson or manager."""

    def __init__(self, intake: LeadIntake, clock: Callable[[], datetime]) -> None:
        self._intake = intake
        self.policy = intake.policy
        self._clock = clock

    def _may_work(self, userid: str, lead: Lead) -> bool:
        """The owner, or the owner's manager."""
        if lead.owner is None:
            return False
        owner = self.policy.rep(lead.owner)
        return lead.owner == userid or (owner is not None and owner.manager == userid)

    async def _lead(self, session: AsyncSession, lead_id: int) -> Lead | Answer:
        lead = await repo.lead_by_id(session, lead_id)
        return lead if lead is not None else _no(f"没有线索 #{lead_id}，发送「我的线索」查看编号")

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
            lead.state = LeadState.NEW
        lead.owner = userid
        lead.claimed_at = lead.followed_up_at = now
        lead.assigned_at = lead.assigned_at or now
        lead.escalation = 0
        await repo.add_event(session, lead, "claimed", userid, now, from_state=before)
        return Answer(True, f"已认领线索 #{lead_id}，请尽快联系客户")

    def _claim_refusal(self, lead: Lead, userid: str) -> Answer | None:
        if lead.locked:
            return _no(f"线索 #{lead.id} 已成交锁定（勿扰），不能认领")
        if lead.state not in (*OPEN_STATES, LeadState.DORMANT):
            return _no(f"线索 #{lead.id} 已是「{label(lead.state)}」，不能认领")
        if lead.owner == userid and lead.claimed_at is not None:
            return Answer(True, f"线索 #{lead.id} 已经是你的了")
        if lead.owner not in (None, userid):
            return _no(f"线索 #{lead.id} 已分配给 {owner_name(self.policy, lead.owner)}")
        return None

    async def _pool_claim_refusal(
        self, session: AsyncSession, userid: str, now: datetime
    ) -> Answer | None:
        rep = self.policy.rep(userid)
        load = TeamLoad(await repo.open_counts(session, OPEN_STATES), {})
        if rep is not None and not has_room(rep, load):
            return _no(f"你已有 {rep.max_open} 条未结线索，达到上限，请先跟进")
        claimed = await repo.count_events(session, ["claimed"], start_of_day(now), actor=userid)
        if claimed >= self.policy.daily_claim_cap:
            return _no(f"今天已认领 {claimed} 条，达到每日上限 {self.policy.daily_claim_cap}")
        return None

    async def set_state(
        self, session: AsyncSession, userid: str, lead_id: int, state: LeadState
    ) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if lead.locked:
            return _no(f"线索 #{lead_id} 已成交锁定，需要主管「解锁 {lead_id}」后才能修改")
        if not self._may_work(userid, lead):
            return _no(f"线索 #{lead_id} 不是你的（负责人：{owner_name(self.policy, lead.owner)}）")
        if lead.state == state:
            return Answer(True, f"线索 #{lead_id} 已是「{label(state)}」")
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
        lock = "，客户已进入勿扰锁定" if lead.locked else ""
        return Answer(True, f"线索 #{lead_id}：{label(before)} → {label(state)}{lock}")

    async def note(self, session: AsyncSession, userid: str, lead_id: int, text: str) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not self._may_work(userid, lead):
            return _no(f"线索 #{lead_id} 不是你的，不能备注")
        now = self._clock()
        lead.followed_up_at = now
        lead.claimed_at = lead.claimed_at or now
        lead.escalation = 0
        await repo.add_event(session, lead, "note", userid, now, detail=text)
        return Answer(True, f"已为线索 #{lead_id} 记下备注")

    async def transfer(
        self, session: AsyncSession, userid: str, lead_id: int, target: str
    ) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not self._may_work(userid, lead):
            return _no(f"线索 #{lead_id} 不是你的，不能转出")
        rep = self.policy.rep(target)
        if rep is None:
            names = "、".join(r.userid for r in self.policy.sales)
            return _no(f"{target} 不在销售名单中（可选：{names}）")
        if target == lead.owner:
            return _no(f"线索 #{lead_id} 已经在 {owner_name(self.policy, target)} 名下")
        if not has_room(rep, TeamLoad(await repo.open_counts(session, OPEN_STATES), {})):
            return _no(f"{owner_name(self.policy, target)} 的线索已满（{rep.max_open} 条）")
        now = self._clock()
        lead.owner = target
        lead.assigned_at = now
        lead.claimed_at = None
        lead.escalation = 0
        event = await repo.add_event(session, lead, "transferred", userid, now)
        await self._intake.alert(session, lead, target, f"{userid} 转给你的线索", event.id)
        return Answer(True, f"线索 #{lead_id} 已转给 {owner_name(self.policy, target)}")

    async def show(self, session: AsyncSession, lead_id: int) -> Answer:
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        summary = await summarize(session, lead)
        events = await repo.timeline(session, lead.id, TIMELINE_ENTRIES)
        return Answer(True, lead_card_text(self.policy, lead, summary, events))

    async def mine(self, session: AsyncSession, userid: str) -> Answer:
        leads = await repo.leads_owned(session, userid, OPEN_STATES)
        if not leads:
            return Answer(True, "你名下没有未结线索。发送「公海」看看可认领的线索")
        now = self._clock()
        lines = [f"你的未结线索 {len(leads)} 条：", *(lead_line(lead, now) for lead in leads)]
        return Answer(True, "\n".join(lines))

    async def pool(self, session: AsyncSession) -> Answer:
        pooled = await repo.leads_owned(session, None, (*OPEN_STATES, LeadState.DORMANT))
        # Higher grade first, then the oldest: the order sales should work the pool in.
        leads = sorted(pooled, key=lambda lead: (self.policy.grade_rank(lead.grade), lead.id))
        if not leads:
            return Answer(True, "公海里没有线索")
        now = self._clock()
        lines = [f"公海线索 {len(leads)} 条：", *(lead_line(lead, now) for lead in leads[:20])]
        return Answer(True, "\n".join([*lines, "发送「认领 <编号>」认领"]))

    async def today(self, session: AsyncSession, userid: str) -> Answer:
        since = start_of_day(self._clock())

        async def count(kinds: list[str], **who: str) -> int:
            return await repo.count_events(session, kinds, since, **who)

        mine_open = len(await repo.leads_owned(session, userid, OPEN_STATES))
        pooled = len(await repo.leads_owned(session, None, OPEN_STATES))
        lines = [
            "今日 · 我："
            f"新分配 {await count(['assigned', 'transferred'], owner=userid)} · "
            f"认领 {await count(['claimed'], actor=userid)} · "
            f"跟进 {await count(['state', 'note'], actor=userid)} · 未结 {mine_open}",
            "今日 · 团队："
            f"新线索 {await count(['created'])} · 认领 {await count(['claimed'])} · "
            f"成交 {await count(['state'], to_state=LeadState.WON)} · 公海 {pooled}",
        ]
        return Answer(True, "\n".join(lines))

    async def unlock(self, session: AsyncSession, userid: str, lead_id: int) -> Answer:
        if not self.policy.is_manager(userid):
            return _no("只有主管可以解锁线索")
        lead = await self._lead(session, lead_id)
        if isinstance(lead, Answer):
            return lead
        if not lead.locked:
            return Answer(True, f"线索 #{lead_id} 没有锁定")
        lead.locked = False
        now = self._clock()
        await repo.add_event(session, lead, "unlocked", userid, now)
        if lead.owner and lead.owner != userid:
            notice = f"线索 #{lead_id} 已被 {userid} 解锁"
            add_jobs(session, [text_job(self.policy.wecom, [lead.owner], notice, None)])
        return Answer(True, f"线索 #{lead_id} 已解锁，客户可再次收到提醒")
