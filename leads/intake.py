"""From stored events to a lead: qualification, assignment, the alert.

`LeadIntake` is an effects step (`storage.event_batch.EffectStep`): it runs
last behind the reply, in the batch's transaction, after the tagging rules
have written tags, points and the phone number, so it sees the profiles as
they left them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import LeadSummary, alert_job
from leads.assignment import TeamLoad, pick_owner
from leads.lifecycle import OPEN_STATES, LeadState
from leads.limits import CARD_MESSAGES
from leads.policy import LeadPolicy
from storage import leads_repo as repo
from storage.event_batch import EventBatch
from storage.lead_models import Lead
from storage.models import PointEntry, Profile
from storage.outbox import add_jobs
from storage.profile_tags import grant_points
from storage.profiles import canonical_id, link_phone
from storage.records import PointGrant
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

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        """The effects step: phones left, then each profile of the batch once.

        Set-based for the common case (one query for the profiles, one for
        their leads); only a person who becomes a lead, or a dormant lead
        that wakes up, costs more.
        """
        now = self._clock()
        for event in batch.events:
            if event.msg_type == "text" and first_phone(event.content) is not None:
                survivor = await self._note_phone(session, event.profile_id, event.content, now)
                batch.follow_merge(event.profile_id, survivor)
        profile_ids = batch.profile_ids()
        await self._phone_points(session, profile_ids, now)
        connection = await session.connection()
        facts = {
            row.id: row
            for row in await connection.execute(
                select(
                    Profile.id,
                    Profile.score,
                    Profile.phone,
                    Profile.first_channel,
                    Profile.last_channel,
                ).where(Profile.id.in_(profile_ids))
            )
        }
        leads = await repo.leads_of_profiles(session, profile_ids)
        for profile_id in profile_ids:
            profile = facts.get(profile_id)
            if profile is None:
                continue
            qualified = profile.score >= self.policy.qualify_score or bool(profile.phone)
            lead = leads.get(profile_id)
            if lead is not None:
                await self._touch(session, lead, qualified, now)
            elif qualified:
                # The account is not a channel: a profile without one shows "未知", not "main".
                channel = profile.last_channel or profile.first_channel
                await self._create(session, profile_id, profile.score, channel, now)

    async def _touch(
        self, session: AsyncSession, lead: Lead, qualified: bool, now: datetime
    ) -> None:
        lead.active_at = now
        if lead.state == LeadState.DORMANT and qualified and not lead.locked:
            # A high-intent action wakes a dormant lead up: new again, reassigned.
            lead.state = LeadState.NEW
            await repo.add_event(
                session, lead, "revived", repo.SYSTEM, now, from_state=LeadState.DORMANT
            )
            await self.assign(session, lead, reason="沉睡线索再次活跃")

    async def _create(
        self, session: AsyncSession, profile_id: int, score: int, channel: str, now: datetime
    ) -> None:
        lead = await repo.create_lead(session, profile_id, LeadState.NEW, now, channel)
        if lead is None:
            return  # another worker made it a lead a moment ago
        await repo.add_event(session, lead, "created", repo.SYSTEM, now, detail=f"score={score}")
        log.info("lead #%d created for profile %d (score %d)", lead.id, profile_id, score)
        await self.assign(session, lead, reason="新线索")

    async def _note_phone(
        self, session: AsyncSession, profile_id: int, content: str | None, now: datetime
    ) -> int:
        """Keep a phone the person left; the live profile id (a phone may merge two people).

        The tagging step normally sets the phone first; this one only fills in
        when it has not, so qualification works with or without tagging rules.
        """
        profile_id = await canonical_id(session, profile_id)
        phone = first_phone(content)
        current = await session.scalar(select(Profile.phone).where(Profile.id == profile_id))
        if current or phone is None:
            return profile_id
        merge = await link_phone(session, profile_id, phone, at=now, source=PHONE_REASON)
        log.info("phone %s left by profile %d", mask_phone(phone), profile_id)
        return merge.survivor if merge else profile_id

    async def _phone_points(
        self, session: AsyncSession, profile_ids: Sequence[int], now: datetime
    ) -> None:
        """`phone_score` once per person who left a phone, however they left it."""
        if not self.policy.phone_score or not profile_ids:
            return
        with_phone = set(
            await session.scalars(
                select(Profile.id).where(Profile.id.in_(profile_ids), Profile.phone.is_not(None))
            )
        )
        if not with_phone:
            return
        rewarded = set(
            await session.scalars(
                select(PointEntry.profile_id).where(
                    PointEntry.profile_id.in_(with_phone), PointEntry.reason == PHONE_REASON
                )
            )
        )
        grant = PointGrant(self.policy.phone_score, PHONE_REASON)
        await grant_points(session, [(pid, grant) for pid in sorted(with_phone - rewarded)], at=now)

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
        job = alert_job(self.policy.wecom, recipient, summary, reason, sequence)
        add_jobs(session, [job], self._clock())


async def summarize(session: AsyncSession, lead: Lead) -> LeadSummary:
    """The facts an alert card shows, read fresh from the profile."""
    # populate_existing: set-based statements earlier in the batch updated the row.
    profile = await session.get(Profile, lead.profile_id, populate_existing=True)
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
