"""The lead timers: claim timeouts, follow-up escalation tiers and dormancy.

Each sweep selects the leads whose timer ran out and acts on each; the
selection is row-locked (`SKIP LOCKED` on PostgreSQL) and re-checks the
condition, so two processes sweeping at once cannot act on a lead twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import text_job
from leads.intake import LeadIntake
from leads.lifecycle import OPEN_STATES, LeadState
from leads.views import owner_name
from storage import leads_repo as repo
from storage.lead_models import Lead
from storage.outbox import add_jobs

log = logging.getLogger(__name__)

REMIND, COPY_MANAGER, BACK_TO_POOL = 1, 2, 3


@dataclass(frozen=True)
class SweepCounts:
    reassigned: int = 0
    escalated: int = 0
    dormant: int = 0
    served: int = 0


class LeadTimers:
    """Runs every timer once at the injected clock's time."""

    def __init__(self, intake: LeadIntake, clock: Callable[[], datetime]) -> None:
        self._intake = intake
        self.policy = intake.policy
        self._clock = clock

    async def sweep(self, session: AsyncSession) -> SweepCounts:
        # The assignment lock before any lead row (as every writer of owners and states
        # takes them): the `lead_load` triggers take it after the row, and a wave holding
        # it could be waiting for one of our rows.
        await repo.lock_assignments(session)
        now = self._clock()
        return SweepCounts(
            reassigned=await self._expire_claims(session, now),
            escalated=await self._escalate(session, now),
            dormant=await self._make_dormant(session, now),
            served=await self._intake.serve_pool(session),
        )

    def _notify(self, session: AsyncSession, userids: list[str], text: str, key: str) -> None:
        # Someone on leave or gone is stood in for: their deputy, else their manager.
        to = self.policy.team.recipients(userids)
        add_jobs(session, [text_job(self.policy.wecom, to, text, key)], self._clock())

    async def _expire_claims(self, session: AsyncSession, now: datetime) -> int:
        # Each grade may have its own claim timeout: select by the shortest, filter by each.
        shortest = min(
            [
                self.policy.claim_minutes,
                *(g.claim_minutes for g in self.policy.grades if g.claim_minutes),
            ]
        )
        deadline = now - timedelta(minutes=shortest)
        candidates = await _due(
            session,
            Lead.owner.is_not(None),
            Lead.claimed_at.is_(None),
            Lead.state.in_(OPEN_STATES),
            Lead.assigned_at < deadline,
        )
        leads = [
            lead
            for lead in candidates
            if lead.assigned_at is not None
            and lead.assigned_at
            < now - timedelta(minutes=self.policy.claim_minutes_for(lead.grade))
        ]
        for lead in leads:
            late = str(lead.owner)
            timeout = await repo.add_event(
                session, lead, "claim_timeout", repo.SYSTEM, now, detail=late
            )
            passed = await repo.passed_over(session, lead.id, "claim_timeout")
            owner = await self._intake.assign(
                session, lead, reason=f"{late} 超时未认领", exclude=passed
            )
            where = owner_name(self.policy, owner)
            self._notify(
                session,
                [late],
                f"线索 #{lead.id} {self.policy.claim_minutes_for(lead.grade)} 分钟内未认领，"
                f"已转给 {where}",
                f"claim-timeout:{timeout.id}",
            )
            log.info("lead #%d unclaimed by %s: reassigned to %s", lead.id, late, owner)
        return len(leads)

    def _tier(self, followed_up_at: datetime, now: datetime) -> int:
        tiers = self.policy.followup
        idle = now - followed_up_at
        for tier, days in (
            (BACK_TO_POOL, tiers.pool_days),
            (COPY_MANAGER, tiers.manager_days),
            (REMIND, tiers.remind_days),
        ):
            if idle >= timedelta(days=days):
                return tier
        return 0

    async def _escalate(self, session: AsyncSession, now: datetime) -> int:
        first = now - timedelta(days=self.policy.followup.remind_days)
        leads = await _due(
            session,
            Lead.owner.is_not(None),
            Lead.claimed_at.is_not(None),
            Lead.state.in_(OPEN_STATES),
            Lead.followed_up_at < first,
        )
        acted = 0
        for lead in leads:
            tier = self._tier(lead.followed_up_at or now, now)
            if tier <= lead.escalation:
                continue
            acted += 1
            await self._escalate_one(session, lead, tier, now)
        return acted

    async def _escalate_one(
        self, session: AsyncSession, lead: Lead, tier: int, now: datetime
    ) -> None:
        owner = str(lead.owner)
        rep = self.policy.rep(owner)
        manager = [rep.manager] if rep and rep.manager else []
        idle_days = (now - (lead.followed_up_at or now)).days
        key = f"escalate:{lead.id}:{tier}:{lead.followed_up_at}"
        if tier == BACK_TO_POOL:
            lead.owner = None
            lead.claimed_at = None
            lead.escalation = 0
            await repo.add_event(
                session, lead, "reclaimed", repo.SYSTEM, now, detail=f"{owner} {idle_days} 天未跟进"
            )
            text = f"线索 #{lead.id} 已 {idle_days} 天未跟进，已收回公海"
            self._notify(session, [owner, *manager], text, key)
            return
        lead.escalation = tier
        await repo.add_event(session, lead, "escalated", repo.SYSTEM, now, detail=f"tier {tier}")
        if tier == COPY_MANAGER:
            text = f"线索 #{lead.id}（{owner_name(self.policy, owner)}）已 {idle_days} 天未跟进"
            self._notify(session, [owner, *manager], text, key)
        else:
            text = (
                f"提醒：线索 #{lead.id} 已 {idle_days} 天未跟进，发送「备注 {lead.id} …」记录进展"
            )
            self._notify(session, [owner], text, key)

    async def _make_dormant(self, session: AsyncSession, now: datetime) -> int:
        cutoff = now - timedelta(days=self.policy.dormant_days)
        leads = await _due(session, Lead.state.in_(OPEN_STATES), Lead.active_at < cutoff)
        for lead in leads:
            before, owner = lead.state, lead.owner
            lead.state = LeadState.DORMANT
            lead.owner = None
            lead.claimed_at = None
            lead.escalation = 0
            await repo.add_event(
                session,
                lead,
                "dormant",
                repo.SYSTEM,
                now,
                from_state=before,
                detail=f"{self.policy.dormant_days} 天无互动",
            )
            if owner is not None:
                text = f"线索 #{lead.id} {self.policy.dormant_days} 天无互动，已转为沉睡并回到公海"
                self._notify(session, [owner], text, f"dormant:{lead.id}:{now.date()}")
        return len(leads)


async def _due(session: AsyncSession, *conditions: ColumnElement[bool]) -> list[Lead]:
    rows = await session.scalars(
        select(Lead)
        .where(Lead.locked.is_(False), *conditions)
        .order_by(Lead.id)
        .with_for_update(skip_locked=True)
    )
    return list(rows)
