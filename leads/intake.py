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
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from leads.alerts import LeadSummary, alert_job
from leads.assignment import TeamLoad, pick_owner
from leads.grades import Grade, Urgency, grade_of, is_upgrade, max_window_days
from leads.lifecycle import OPEN_STATES, LeadState
from leads.limits import CARD_MESSAGES
from leads.policy import LeadPolicy, SalesRep
from leads.waves import Candidate, WavePlan, needs_assignment, plan_wave
from storage import leads_repo as repo
from storage.channels.directory import channel_label
from storage.event_batch import EventBatch
from storage.lead_models import Lead
from storage.leads import waves
from storage.leads.cards import card_facts, tags_of
from storage.leads.load import read_load
from storage.models import PointEntry, Profile
from storage.outbox import add_jobs
from storage.profile_facts import load_facts
from storage.profile_tags import grant_points
from storage.profiles import canonical_id, link_phone
from storage.records import PointGrant
from tagging.contacts import first_phone, mask_phone

log = logging.getLogger(__name__)

PHONE_REASON = "leads:phone"
# Timeline kinds that hand a lead to someone: round robin counts from these.
ASSIGNING = ("assigned", "claimed", "transferred")


GRADED = "graded"


class LeadObserver(Protocol):
    """Who hears of grade and state changes in the intake's transaction (the journeys).

    `on_contact_added` is told of a new WeCom contact's profile (by the contact linker).
    """

    async def on_grade_reached(
        self, session: AsyncSession, profile_id: int, grade: str, journey: str | None
    ) -> None: ...

    async def on_lead_state(self, session: AsyncSession, profile_id: int, state: str) -> None: ...

    async def on_contact_added(self, session: AsyncSession, profile_id: int) -> None: ...


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

    async def apply(self, session: AsyncSession, batch: EventBatch) -> None:
        """The effects step: phones left, then each profile of the batch once.

        Set-based: one query for the profiles, one for their leads, and the
        batch's new leads made together as one wave (`make_wave`); only a
        dormant lead that wakes up or an upgrade costs round trips of its own.
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
        grades = await self.grades_now(session, profile_ids, now)
        wave: list[Candidate] = []
        for profile_id in profile_ids:
            profile = facts.get(profile_id)
            if profile is None:
                continue
            grade = grades.get(profile_id)
            if self.policy.grades:
                qualified = grade is not None
            else:
                qualified = profile.score >= self.policy.qualify_score or bool(profile.phone)
            lead = leads.get(profile_id)
            if lead is not None:
                await self._touch(session, lead, qualified, grade, now)
            elif qualified:
                # The account is not a channel: a profile without one shows "未知", not "main".
                channel = profile.last_channel or profile.first_channel
                wave.append(Candidate(profile_id, profile.score, channel, grade))
        # After the touches: a lead they reassigned is in the load the wave reads.
        await self.make_wave(session, wave, now)

    async def _touch(
        self,
        session: AsyncSession,
        lead: Lead,
        qualified: bool,
        grade: Grade | None,
        now: datetime,
    ) -> None:
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

    async def make_wave(
        self, session: AsyncSession, candidates: Sequence[Candidate], now: datetime
    ) -> None:
        """Create, grade, assign and alert the batch's new leads together.

        One assignment lock, one read of the tags and of the team's load, then
        `leads.waves.plan_wave` decides every lead in memory, and the leads, their
        timeline and the alert jobs are written in one statement each.
        """
        if not candidates:
            return
        pushed = [c.profile_id for c in candidates if needs_assignment(c)]
        tags: dict[int, list[str]] = {}
        load = TeamLoad({}, {})
        if pushed:
            await repo.lock_assignments(session)  # before reading the load it changes
            tags = await tags_of(session, pushed)
            load = await team_load(session)
        plan = plan_wave(self.policy, candidates, tags, load)
        made = await waves.insert_leads(session, plan.leads, now)
        entries = [entry for entry in plan.entries if entry.profile_id in made]
        # The "assigned" entry's id is the alert's sequence (its dedup key), as one by one.
        sequences = await waves.insert_entries(session, entries, made, now, kind="assigned")
        for lead in plan.leads:
            if lead.profile_id not in made:
                continue  # another worker made it a lead a moment ago
            log.info(
                "lead #%d created for profile %d (grade %s): %s",
                made[lead.profile_id], lead.profile_id, lead.grade or "-",
                lead.owner or ("pool" if lead.assigned else "nurtured, sales not alerted"),
            )  # fmt: skip
            if self.observer is not None:
                grade = self.policy.grade(lead.grade)
                if grade is not None:
                    await self.observer.on_grade_reached(
                        session, lead.profile_id, grade.name, grade.journey
                    )
                await self.observer.on_lead_state(session, lead.profile_id, LeadState.NEW)
        await self._alert_wave(session, plan, made, sequences)

    async def _alert_wave(
        self,
        session: AsyncSession,
        plan: WavePlan,
        made: dict[int, int],
        sequences: dict[int, int],
    ) -> None:
        """One alert per lead given to someone, the cards' facts read for all at once."""
        alerted = [lead for lead in plan.leads if lead.profile_id in sequences and lead.owner]
        facts = await card_facts(session, [lead.profile_id for lead in alerted], CARD_MESSAGES)
        jobs = []
        for lead in alerted:
            found = facts.get(lead.profile_id)
            if found is None or lead.owner is None:
                continue  # the profile was merged away inside the batch: no card to show
            summary = LeadSummary(
                lead_id=made[lead.profile_id],
                openid=found.openid or "",
                phone=found.phone,
                channel=found.channel,
                tags=found.tags,
                points=found.points,
                messages=found.messages,
                grade=lead.grade,
                # The lead was graded once, in this batch, from no grade.
                grade_history=(f"-→{lead.grade}",) if lead.grade else (),
            )
            grade = self.policy.grade(lead.grade)
            urgent = grade is not None and grade.urgency == Urgency.URGENT
            reason = plan.alerts[lead.profile_id]
            sequence = sequences[lead.profile_id]
            jobs.append(
                alert_job(self.policy.wecom, lead.owner, summary, reason, sequence, urgent=urgent)
            )
        await waves.insert_jobs(session, jobs, self._clock())

    async def grade_now(
        self, session: AsyncSession, profile_id: int, now: datetime
    ) -> Grade | None:
        """The grade the person meets now (None without grades or below every grade)."""
        return (await self.grades_now(session, [profile_id], now)).get(profile_id)

    async def grades_now(
        self, session: AsyncSession, profile_ids: Sequence[int], now: datetime
    ) -> dict[int, Grade]:
        """The grade each person meets now, from one read of their facts (none without grades)."""
        if not self.policy.grades or not profile_ids:
            return {}
        window = max_window_days(self.policy.grades)
        facts = await load_facts(session, profile_ids, now=now, window_days=window)
        graded = {pid: grade_of(self.policy.grades, found, now) for pid, found in facts.items()}
        return {pid: grade for pid, grade in graded.items() if grade is not None}

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
        if not (
            alert and upgraded and grade is not None and grade.push and lead.state in OPEN_STATES
        ):
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
        await repo.lock_assignments(session)  # before reading the load it changes
        tags = await repo.profile_tags(session, lead.profile_id)
        load = await team_load(session)
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
        # An owner on leave or gone is stood in for: their deputy, else their manager.
        recipient = self.policy.team.recipient(recipient)
        job = alert_job(self.policy.wecom, recipient, summary, reason, sequence, urgent=urgent)
        add_jobs(session, [job], self._clock())


async def team_load(session: AsyncSession) -> TeamLoad:
    """The team's load from the maintained counts: one small table, however many leads.

    Hold the assignment lock first (`storage.leads_repo.lock_assignments`) when the
    load decides an assignment: changes to the counts wait for it.
    """
    rows = await read_load(session)
    return TeamLoad(rows.open_leads, rows.last_assigned)


async def summarize(session: AsyncSession, lead: Lead) -> LeadSummary:
    """The facts an alert card shows, read fresh from the profile."""
    # populate_existing: set-based statements earlier in the batch updated the row.
    profile = await session.get(Profile, lead.profile_id, populate_existing=True)
    return LeadSummary(
        lead_id=lead.id,
        openid=await repo.first_openid(session, lead.profile_id) or lead.external_userid or "",
        phone=profile.phone if profile else None,
        # The profile's channel now (the tagging step may have set it after the lead
        # was made); the one stored with the lead when the profile has none. Shown by
        # the name people use (a key no channel claims shows as the key).
        channel=await channel_label(
            session,
            (profile.last_channel or profile.first_channel if profile else None) or lead.channel,
        ),
        tags=tuple(await repo.profile_tags(session, lead.profile_id)),
        points=profile.score if profile else 0,
        messages=tuple(await repo.recent_messages(session, lead.profile_id, CARD_MESSAGES)),
        grade=lead.grade,
        grade_history=tuple(await repo.grade_history(session, lead.id)),
    )
