"""A journeys test world: the engine and the send executor over a real database and the fake API.

The clock is the test's: steps fire when the test moves time and calls `fire()`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from bot.config.settings import Settings
from bot.effects.jobs import registry
from bot.effects.journey_jobs import JourneyMessenger
from bot.effects.outbox_worker import OutboxWorker
from bot.metrics import Metrics
from bot.runtime.journeys import JourneysRuntime
from fakewechat.state import FakeWeChat
from storage.database import SessionFactory
from storage.identities import resolve_profile
from storage.journey_models import JourneyRun, JourneyRunEvent
from storage.lead_models import Lead
from storage.models import Identity, Profile
from storage.outbox import Outbox
from storage.profile_tags import grant_points, grant_tags
from storage.records import PointGrant, TagGrant
from tests.conftest import APP_ID

# 10:00 in Shanghai, a Monday: inside the send window.
START = datetime(2026, 1, 5, 2, 0, tzinfo=UTC)
ACCOUNT = "main"


class ManualClock:
    """Time that moves only when the test says so."""

    def __init__(self, start: datetime = START) -> None:
        self.now = start

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)

    def set_local(self, hour: int, minute: int = 0) -> None:
        """Jump to this Shanghai wall-clock time later today (or tomorrow)."""
        local = self.now.astimezone(UTC) + timedelta(hours=8)
        target = local.replace(hour=hour, minute=minute, second=0, microsecond=0)
        if target <= local:
            target += timedelta(days=1)
        self.now = (target - timedelta(hours=8)).replace(tzinfo=UTC)


@dataclass
class World:
    settings: Settings
    sessions: SessionFactory
    fake: FakeWeChat
    clock: ManualClock
    runtime: JourneysRuntime
    messenger: JourneyMessenger
    worker: OutboxWorker
    metrics: Metrics  # the messenger's

    async def person(
        self,
        openid: str,
        *,
        tags: Sequence[str] = (),
        score: int = 0,
        phone: str | None = None,
        subscribed: bool = True,
    ) -> int:
        """A follower known to the bot and to the fake API, with these facts."""
        self.fake.add_follower(APP_ID, openid, subscribed=subscribed)
        async with self.sessions.begin() as session:
            now = self.clock()
            profile_id = await resolve_profile(session, "openid", ACCOUNT, openid, now)
            await grant_tags(session, [(profile_id, TagGrant(tag, "test")) for tag in tags], at=now)
            if score:
                await grant_points(session, [(profile_id, PointGrant(score, "test"))], at=now)
            profile = await session.get(Profile, profile_id)
            assert profile is not None
            profile.phone = phone
            if not subscribed:
                identity = await session.scalar(
                    select(Identity).where(Identity.profile_id == profile_id)
                )
                assert identity is not None
                identity.subscribed = False
        return profile_id

    async def make_lead(
        self, profile_id: int, *, owner: str | None, external: str | None = None, **values: object
    ) -> None:
        async with self.sessions.begin() as session:
            session.add(
                Lead(
                    profile_id=profile_id,
                    state=str(values.get("state", "new")),
                    owner=owner,
                    active_at=self.clock(),
                    external_userid=external,
                    escalation=0,
                    locked=bool(values.get("locked", False)),
                    grade=values.get("grade"),
                    created_at=self.clock(),
                )
            )

    async def enter(self, journey: str, *profile_ids: int) -> int:
        found = self.runtime.catalog.get(journey)
        assert found is not None
        async with self.sessions.begin() as session:
            return await self.runtime.engine.enter(
                session, found, list(profile_ids), trigger="test"
            )

    async def fire(self) -> int:
        """Fire what is due now, then run the sends it queued."""
        async with self.sessions.begin() as session:
            fired = await self.runtime.engine.fire_due(session)
        while await self.worker.run_once():
            pass
        return fired

    async def runs(self, profile_id: int | None = None) -> list[JourneyRun]:
        async with self.sessions() as session:
            query = select(JourneyRun).order_by(JourneyRun.id)
            if profile_id is not None:
                query = query.where(JourneyRun.profile_id == profile_id)
            return list(await session.scalars(query))

    async def events(self, profile_id: int) -> list[tuple[int | None, str, str | None]]:
        """(step, kind, channel) of everything that happened to the person's runs."""
        async with self.sessions() as session:
            rows = await session.scalars(
                select(JourneyRunEvent)
                .where(JourneyRunEvent.profile_id == profile_id)
                .order_by(JourneyRunEvent.id)
            )
            return [(e.step, e.kind, e.channel) for e in rows]

    def texts_to(self, openid: str) -> list[str]:
        return [
            str(m.payload["text"]["content"])
            for m in self.fake.custom_messages
            if m.openid == openid and m.msgtype == "text"
        ]


def outbox_worker(
    sessions: SessionFactory, messenger: JourneyMessenger, clock: ManualClock
) -> OutboxWorker:
    return OutboxWorker(Outbox(sessions, clock=clock), registry(messenger.handlers()), Metrics())
