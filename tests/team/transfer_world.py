"""A WeCom corp in the fake on its own clock, leads in the database, and the transfer jobs."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import aiohttp
from sqlalchemy import select

from bot.effects.jobs import Executor, JobHandler, registry
from bot.effects.outbox_worker import OutboxWorker
from bot.effects.transfer_jobs import TransferJobs
from bot.metrics import Metrics
from fakewechat import FakeClock, FakeWeChat
from leads.customer_moves import CustomerMoves
from leads.jobs import WECOM_TEXT, StaffText
from leads.transfer_outcomes import TransferOutcomes
from storage.cache import MemoryCache
from storage.database import SessionFactory
from storage.lead_models import Lead, LeadEvent
from storage.models import OutboxJob, Profile
from storage.outbox import Outbox
from storage.team.transfers import TransferView, transfers_for_handover
from wxapi.credentials import WeComCredentials
from wxapi.wecom import WeComClient

APP = "sales"
CORPID = "ww00000000000000aa"
AGENTID = 1000002
SECRET = "corp-secret"
MANAGERS = {"lisi": "boss", "wangwu": "boss"}
STAFF = {"zhangsan", "lisi", "wangwu", "boss"}


def fake_world(clock: FakeClock) -> FakeWeChat:
    state = FakeWeChat(clock=clock)
    state.add_corp(CORPID, {AGENTID: SECRET}, members=set(STAFF))
    return state


def wecom_client(http: aiohttp.ClientSession, api_base: str) -> WeComClient:
    return WeComClient(
        http, MemoryCache(), WeComCredentials(CORPID, AGENTID, SECRET), api_base=api_base
    )


@dataclass
class TransferWorld:
    """The fake, the database, the seam and a worker that runs the outbox on the fake's clock."""

    fake: FakeWeChat
    clock: FakeClock
    sessions: SessionFactory
    worker: OutboxWorker
    executors: dict[str, Executor]
    moves: CustomerMoves
    outcomes: TransferOutcomes
    client: WeComClient

    def now(self) -> datetime:
        return datetime.fromtimestamp(self.clock.now, UTC)

    async def leads_with_customers(self, owner: str, count: int) -> list[tuple[int, str]]:
        """`count` leads of `owner`, each with a WeCom customer `owner` follows."""
        made: list[tuple[int, str]] = []
        async with self.sessions.begin() as session:
            for _ in range(count):
                profile = Profile(created_at=self.now(), updated_at=self.now())
                session.add(profile)
                await session.flush()
                external = f"wm{profile.id:05d}"
                lead = Lead(
                    profile_id=profile.id, state="contacting", owner=owner,
                    active_at=self.now(), external_userid=external, created_at=self.now(),
                )  # fmt: skip
                session.add(lead)
                await session.flush()
                made.append((lead.id, external))
                self.fake.add_external_contact(external, external, followers=[owner])
        return made

    async def hand_over(
        self,
        handover_id: int,
        from_userid: str,
        moves: Sequence[tuple[int, str, str | None]],
        *,
        employed: bool = True,
    ) -> None:
        """What the hand-over does: new owners, and the seam, in one transaction."""
        async with self.sessions.begin() as session:
            for lead_id, to_userid, _ in moves:
                lead = await session.get(Lead, lead_id)
                assert lead is not None
                lead.owner = to_userid
            await self.moves.move(session, handover_id, from_userid, moves, employed)

    async def run_due(self) -> int:
        """Run every job due on the fake's clock, round after round; how many ran."""
        ran = 0
        while count := await self.worker.run_once():
            ran += count
        return ran

    async def transfers(self, handover_id: int) -> list[TransferView]:
        async with self.sessions() as session:
            return await transfers_for_handover(session, handover_id)

    async def states(self, handover_id: int) -> dict[str, int]:
        found: dict[str, int] = {}
        for view in await self.transfers(handover_id):
            found[view.state] = found.get(view.state, 0) + 1
        return found

    async def events(self, lead_id: int) -> list[tuple[str, str | None]]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(LeadEvent).where(LeadEvent.lead_id == lead_id).order_by(LeadEvent.id)
            )
            return [(e.kind, e.detail) for e in rows]

    async def jobs(self, kind: str) -> list[OutboxJob]:
        async with self.sessions() as session:
            rows = await session.scalars(
                select(OutboxJob).where(OutboxJob.kind == kind).order_by(OutboxJob.id)
            )
            return list(rows)

    def texts_to(self, userid: str) -> list[str]:
        return [
            str(m.payload["text"]["content"])
            for m in self.fake.wecom_messages
            if userid in m.touser and m.msgtype == "text"
        ]


def build_world(
    fake: FakeWeChat,
    clock: FakeClock,
    sessions: SessionFactory,
    client: WeComClient,
    *,
    message: str | None = None,
) -> TransferWorld:
    def now() -> datetime:
        return datetime.fromtimestamp(clock.now, UTC)

    outcomes = TransferOutcomes(APP, MANAGERS.get, now)
    jobs = TransferJobs({APP: client}, sessions, lambda _app: outcomes, now)

    async def text(target: str, notice: StaffText) -> None:
        del target
        await client.send_text(notice.touser.split("|"), notice.text)

    executors = registry([*jobs.handlers(), JobHandler(WECOM_TEXT, text)])
    worker = OutboxWorker(Outbox(sessions, now), executors, Metrics())
    moves = CustomerMoves(APP, now, message=message)
    return TransferWorld(fake, clock, sessions, worker, executors, moves, outcomes, client)
