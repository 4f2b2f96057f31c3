"""PostgreSQL stopped with `-m immediate` mid-load and restarted: nothing accepted is lost.

A throwaway cluster on a spare port (never the shared server). While it is down
callbacks get a fast 500 (WeChat retries them); once it is back the bot recovers
without a restart, and stale pooled connections cost no request started afterwards.
"""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlalchemy import select

from bot.app import Background, create_app
from bot.app_keys import EFFECTS, OUTBOX_WORKER, SESSIONS
from bot.testing.wechat_player import Callback, WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.models import OutboxJob
from tests.conftest import APP_ID, ClientFactory
from tests.faults.conftest import FaultConfig
from tests.faults.load import Load, stored_counts
from tests.faults.servers import PrivatePostgres

pytestmark = [pytest.mark.private_postgres, pytest.mark.timeout(120)]


async def test_a_postgres_restart_loses_nothing_and_costs_only_requests_in_flight(
    fault_config: FaultConfig,
    private_postgres: PrivatePostgres,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> None:
    for n in range(10):
        fake_state.add_follower(APP_ID, f"o_load_{n}")
    app = create_app(fault_config(private_postgres.url, ""), background=Background.nothing())
    client = await aiohttp_client(app)

    async def send(callback: Callback) -> int:
        response = await client.post("/wechat/main", params=callback.query, data=callback.body)
        await response.read()
        return response.status

    # A restart under load: fast 500s while it is down, never a 200 for a lost message.
    load = Load(player, send, senders=10)
    running = asyncio.create_task(load.run())
    await asyncio.sleep(1.0)
    await asyncio.to_thread(private_postgres.stop_immediately)
    await asyncio.sleep(1.0)
    await asyncio.to_thread(private_postgres.start)
    back_at = time.monotonic()
    await asyncio.sleep(2.0)
    load.stop()
    await asyncio.wait_for(running, 30)  # nothing hung
    assert any(o.status != 200 for o in load.outcomes), "the outage was not noticed"
    assert [o for o in load.outcomes if o.started > back_at and o.status != 200] == []

    # A quiet restart: every pooled connection is stale when the traffic comes back.
    await asyncio.to_thread(private_postgres.stop_immediately)
    await asyncio.to_thread(private_postgres.start)
    quiet = Load(player, send, senders=10, first_id=1_000_000)
    running = asyncio.create_task(quiet.run())
    await asyncio.sleep(1.5)
    quiet.stop()
    await asyncio.wait_for(running, 30)
    assert len(quiet.outcomes) > 20
    assert [o for o in quiet.outcomes if o.status != 200] == []  # stale connections cost none

    accepted = load.accepted() | quiet.accepted()
    counts = await stored_counts(app[SESSIONS])
    assert {msg_id: counts.get(msg_id) for msg_id in accepted} == dict.fromkeys(accepted, 1)

    # Every accepted message's effects are applied, and every job they queued runs.
    await app[EFFECTS].drain()
    worker = app[OUTBOX_WORKER]
    while await worker.run_once():
        pass
    async with app[SESSIONS]() as session:
        jobs = list(await session.scalars(select(OutboxJob)))
    assert {job.status for job in jobs} == {"done"}
    sends = [job for job in jobs if job.kind == "wechat.custom_send"]
    assert len(fake_state.custom_messages) == len(sends) > 0  # each delivered once
