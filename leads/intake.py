"""From a stored event to a lead: qualification, assignment, the alert.

`LeadIntake.step` is an `EvaluationStep`: it runs last behind the reply, in
the evaluation's transaction, after the tagging rules have written tags,
points and the phone number, so it sees the profile as they left it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import LeadSummary, alert_job
from leads.assignment import TeamLoad, pick_owner
from leads.lifecycle import OPEN_STATES, LeadState
from leads.limits import CARD_MESSAGES
from leads.policy import LeadPolicy
from storage import leads_repo as repo
from storage.interactions import PointGrant, add_jobs, grant_points
from storage.lead_models import Lead
from storage.models import InboundEvent, PointEntry, Profile
from storage.profiles import canonical_id, link_phone
from tagging.contacts import first_phone, mask_phone

log = logging.getLogger(__name__)

PHONE_REASON = "leads:phone"
# Timeline kinds that hand a lead to someone: round robin counts from these.
ASSIGNING = ("assigned", "claimed", "transferred")


class LeadIntake:
    """Qualifies people, creates leads once, assigns them and queues the alert."""

    def __init__(self, policy: LeadPolicy, clock: Callable[[], datetime]) -> None:
        self.policy = policy
        self._clock = clock

    async def step(self, session: AsyncSession, event: InboundEvent) -> None:
        """The evaluation step: react to one stored event of `event.profile_id`."""
        now = self._clock()
        profile_id = await self._note_phone(session, event, now)
        profile = await session.get(Profile, profile_id)
        if profile is None:
            return
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
                await self.assign(session, lead, reason="沉睡线索再次活跃")
            return
        if not qualified:
            return
        # The account is not a channel: a profile without one shows "未知", not "main".
        channel = profile.last_channel or profile.first_channel
        lead = await repo.create_lead(session, profile.id, LeadState.NEW, now, channel)
        if lead is None:
            return  # another worker made it a lead a moment ago
        await repo.add_event(
            session, lead, "created", repo.SYSTEM, now, detail=f"score={profile.score}"
        )
        log.info("lead #%d created for profile %d (score %d)", lead.id, profile.id, profile.score)
        await self.assign(session, lead, reason="新线索")

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
        tags = await repo.profile_tags(session, lead.profile_id)
        load = TeamLoad(
            await repo.open_counts(session, OPEN_STATES),
            await repo.last_assignments(session, ASSIGNING),
        )
        # The lead itself must not count against whoever holds it now.
        rep = pick_owner(self.policy, tags, load, exclude={*exclude, *filter(None, [lead.owner])})
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

    async def alert(
        self, session: AsyncSession, lead: Lead, recipient: str, reason: str, sequence: int
    ) -> None:
        """Queue the alert card, unless the person is under do-not-disturb."""
        if lead.locked:
            log.info("lead #%d is locked (won): no alert to %s", lead.id, recipient)
            return
        summary = await summarize(session, lead)
        add_jobs(session, [alert_job(self.policy.wecom, recipient, summary, reason, sequence)])


async def summarize(session: AsyncSession, lead: Lead) -> LeadSummary:
    """The facts an alert card shows, read fresh from the profile."""
    profile = await session.get(Profile, lead.profile_id)
    return LeadSummary(
        lead_id=lead.id,
        openid=await repo.first_openid(session, lead.profile_id) or lead.external_userid or "",
        phone=profile.phone if profile else None,
        # The profile's channel now (the tagging step may have set it after the lead
        # was made); the one stored with the lead when the profile has none.
        channel=(profile.last_channel or profile.first_channel if profile else None)
        or lead.channel,
        tags=tuple(await repo.profile_tags(session, lead.profile_id)),
        points=profile.score if profile else 0,
        messages=tuple(await repo.recent_messages(session, lead.profile_id, CARD_MESSAGES)),
    )


def is_open(lead: Lead) -> bool:
    return lead.state in OPEN_STATES
