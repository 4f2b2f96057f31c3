"""From a stored event to a lead: qualification, assignment, the alert.

`LeadIntake.step` is an `EvaluationStep`: it runs last behind the reply, in
the evaluation's transaction, after the tagging rules have written tags,
points and the phone number, so it sees the profile as they left it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import LeadSummary, alert_job
from leads.assignment import TeamLoad, pick_owner
from leads.grades import Grade, Urgency, grade_of, is_upgrade, max_window_days
from leads.lifecycle import OPEN_STATES, LeadState
from leads.limits import CARD_MESSAGES
from leads.policy import LeadPolicy, SalesRep
from storage import leads_repo as repo
from storage.interactions import PointGrant, add_jobs, grant_points
from storage.lead_models import Lead
from storage.models import InboundEvent, PointEntry, Profile
from storage.profile_facts import load_facts
from storage.profiles import canonical_id, link_phone
from tagging.contacts import first_phone, mask_phone

log = logging.getLogger(__name__)

PHONE_REASON = "leads:phone"
# Timeline kinds that hand a lead to someone: round robin counts from these.
ASSIGNING = ("assigned", "claimed", "transferred")


GRADED = "graded"


class LeadObserver(Protocol):
    """Who hears of grade and state changes in the intake's transaction (the journeys)."""

    async def on_grade_reached(
        self, session: AsyncSession, profile_id: int, grade: str, journey: str | None
    ) -> None: ...

    async def on_lead_state(self, session: AsyncSession, profile_id: int, state: str) -> None: ...


class LeadIntake:
    """Qualifies people, creates leads once, grades them, assigns them and queues the alert."""

    def __init__(
        self,
        policy: LeadPolicy,
        clock: Callable[[], datetime],
        observer: LeadObserver | None = None,
    ) -> None:
        self.policy = policy
        self._clock = clock
        self.observer = observer

    async def step(self, session: AsyncSession, event: InboundEvent) -> None:
        """The evaluation step: react to one stored event of `event.profile_id`."""
        now = self._clock()
        profile_id = await self._note_phone(session, event, now)
        profile = await session.get(Profile, profile_id)
        if profile is None:
            return
        grade = await self.grade_now(session, profile.id, now)
        if self.policy.grades:
            qualified = grade is not None
        else:
            qualified = profile.score >= self.policy.qualify_score or bool(profile.phone)
        lead = await repo.lead_of_profile(session, profile.id)
        if lead is not None:
            lead.active_at = now
            if lead.state == LeadState.DORMANT and qualified and not lead.locked:
                # A high-intent action wakes a dormant lead up: new again, reassigned.
                lead.state = LeadState.NEW
                await repo.add_event(
                    session, lead, "revived", repo.SYSTEM, now, from_state=LeadState.DORMANT
                )
                await self._regrade(session, lead, grade, now, alert=False)
                await self.assign(session, lead, reason="沉睡线索再次活跃")
            elif self.policy.grades:
                await self._regrade(session, lead, grade, now, alert=True)
            return
        if not qualified:
            return
        channel = profile.last_channel or profile.first_channel or event.account
        lead = await repo.create_lead(session, profile.id, LeadState.NEW, now, channel)
        if lead is None:
            return  # another worker made it a lead a moment ago
        await repo.add_event(
            session, lead, "created", repo.SYSTEM, now, detail=f"score={profile.score}"
        )
        log.info("lead #%d created for profile %d (score %d)", lead.id, profile.id, profile.score)
        await self._regrade(session, lead, grade, now, alert=False)
        if self.observer is not None:
            await self.observer.on_lead_state(session, profile.id, LeadState.NEW)
        if grade is not None and not grade.push:
            log.info("lead #%d graded %s: nurtured, sales not alerted", lead.id, grade.name)
            return
        reason = "新线索" if grade is None else f"新线索 · {grade.name} 级"
        await self.assign(session, lead, reason=reason)

    async def grade_now(
        self, session: AsyncSession, profile_id: int, now: datetime
    ) -> Grade | None:
        """The grade the person meets now (None without grades or below every grade)."""
        if not self.policy.grades:
            return None
        window = max_window_days(self.policy.grades)
        facts = await load_facts(session, [profile_id], now=now, window_days=window)
        found = facts.get(profile_id)
        return None if found is None else grade_of(self.policy.grades, found, now)

    async def _regrade(
        self, session: AsyncSession, lead: Lead, grade: Grade | None, now: datetime, *, alert: bool
    ) -> None:
        """Record a grade change; an upgrade to a pushed grade alerts sales at once, once."""
        new = None if grade is None else grade.name
        old = lead.grade
        if new == old:
            return
        lead.grade = new
        event = await repo.add_event(
            session, lead, GRADED, repo.SYSTEM, now, detail=f"{old or '-'}→{new or '-'}"
        )
        log.info("lead #%d graded %s → %s", lead.id, old or "-", new or "-")
        if grade is not None and self.observer is not None:
            await self.observer.on_grade_reached(
                session, lead.profile_id, grade.name, grade.journey
            )
        upgraded = is_upgrade(self.policy.grades, old, new)
        if not (alert and upgraded and grade is not None and grade.push and is_open(lead)):
            return
        reason = f"线索升级 {old or '-'}→{new}"
        if lead.owner is None:
            await self.assign(session, lead, reason=reason)
        else:
            # The sequence is the grading event: each upgrade alerts exactly once.
            await self.alert(session, lead, lead.owner, reason, event.id)

    async def serve_pool(self, session: AsyncSession) -> int:
        """Hand pooled, pushed leads to whoever has room again: higher grade first, then oldest.

        Only with grades: without them the pool is worked by claims alone, as before.
        """
        if not self.policy.grades:
            return 0
        pooled = await repo.leads_owned(session, None, [LeadState.NEW])
        pushed = [
            lead
            for lead in pooled
            if not lead.locked and (grade := self.policy.grade(lead.grade)) and grade.push
        ]
        served = 0
        for lead in sorted(pushed, key=lambda lead: (self.policy.grade_rank(lead.grade), lead.id)):
            if await self._next_owner(session, lead) is None:
                break  # nobody has room: the rest wait, best first next time
            await self.assign(session, lead, reason=f"公海分配 · {lead.grade} 级")
            served += 1
        return served

    async def _note_phone(self, session: AsyncSession, event: InboundEvent, now: datetime) -> int:
        """Keep a phone the person left and give its points once; the live profile id.

        The tagging step normally sets the phone first; this one only fills in
        when it has not, so qualification works with or without tagging rules.
        """
        profile_id = await canonical_id(session, event.profile_id)
        profile = await session.get(Profile, profile_id)
        if profile is None:
            return profile_id
        if not profile.phone:
            phone = first_phone(event.content)
            if phone is None:
                return profile_id
            merge = await link_phone(session, profile_id, phone, at=now, source=PHONE_REASON)
            profile_id = merge.survivor if merge else profile_id
            log.info("phone %s left by profile %d", mask_phone(phone), profile_id)
        already = await session.scalar(
            select(PointEntry.id)
            .where(PointEntry.profile_id == profile_id, PointEntry.reason == PHONE_REASON)
            .limit(1)
        )
        if already is None and self.policy.phone_score:
            await grant_points(
                session, profile_id, [PointGrant(self.policy.phone_score, PHONE_REASON)]
            )
        profile = await session.get(Profile, profile_id)
        if profile is not None:
            await session.refresh(profile)
        return profile_id

    async def assign(
        self,
        session: AsyncSession,
        lead: Lead,
        *,
        reason: str,
        exclude: Collection[str] = (),
    ) -> str | None:
        """Give the lead to the next salesperson (or the pool) and alert them."""
        now = self._clock()
        rep = await self._next_owner(session, lead, exclude)
        lead.owner = rep.userid if rep else None
        lead.assigned_at = now
        lead.claimed_at = None
        lead.escalation = 0
        event = await repo.add_event(
            session, lead, "assigned" if rep else "pooled", repo.SYSTEM, now, detail=reason
        )
        if rep is not None:
            await self.alert(session, lead, rep.userid, reason, event.id)
        return lead.owner

    async def _next_owner(
        self, session: AsyncSession, lead: Lead, exclude: Collection[str] = ()
    ) -> SalesRep | None:
        tags = await repo.profile_tags(session, lead.profile_id)
        load = TeamLoad(
            await repo.open_counts(session, OPEN_STATES),
            await repo.last_assignments(session, ASSIGNING),
        )
        # The lead itself must not count against whoever holds it now.
        return pick_owner(self.policy, tags, load, exclude={*exclude, *filter(None, [lead.owner])})

    async def alert(
        self, session: AsyncSession, lead: Lead, recipient: str, reason: str, sequence: int
    ) -> None:
        """Queue the alert card, unless the person is under do-not-disturb."""
        if lead.locked:
            log.info("lead #%d is locked (won): no alert to %s", lead.id, recipient)
            return
        summary = await summarize(session, lead)
        grade = self.policy.grade(lead.grade)
        urgent = grade is not None and grade.urgency == Urgency.URGENT
        job = alert_job(self.policy.wecom, recipient, summary, reason, sequence, urgent=urgent)
        add_jobs(session, [job])


async def summarize(session: AsyncSession, lead: Lead) -> LeadSummary:
    """The facts an alert card shows, read fresh from the profile."""
    profile = await session.get(Profile, lead.profile_id)
    return LeadSummary(
        lead_id=lead.id,
        openid=await repo.first_openid(session, lead.profile_id) or lead.external_userid or "",
        phone=profile.phone if profile else None,
        channel=lead.channel,
        tags=tuple(await repo.profile_tags(session, lead.profile_id)),
        points=profile.score if profile else 0,
        messages=tuple(await repo.recent_messages(session, lead.profile_id, CARD_MESSAGES)),
        grade=lead.grade,
        grade_history=tuple(await repo.grade_history(session, lead.id)),
    )


def is_open(lead: Lead) -> bool:
    return lead.state in OPEN_STATES
