"""The fake WeChat API failing for a while: 5xx, a timeout, 45009, -1 and 40001.

Every customer-service job is delivered exactly once or recorded as failed with
the reason, nothing hangs, and the worker goes on without a restart.
"""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select, update

from bot.app import Background, create_app
from bot.app_keys import EFFECTS, OUTBOX_WORKER, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from fakewechat.state import FakeWeChat
from storage.models import OutboxJob
from storage.types import utc_now
from tests.bot.helpers import exchange
from tests.conftest import APP_ID, ClientFactory, ConfigWriter

pytestmark = pytest.mark.timeout(60)
CS_PATH = "/cgi-bin/message/custom/send"
CS_KIND = "wechat.custom_send"
# One follower: their jobs run in order, so which job meets which fault is deterministic
# (jobs of different followers run concurrently and would share the faults by chance).
FOLLOWERS = ["o_fan"]


@pytest.mark.parametrize(
    ("faults", "failed"),
    [
        ([{"http_status": 502}, {"http_status": 503}, {"http_status": 500}], 0),
        # Past the client's 5 s timeout (which aiohttp rounds up to the next whole second
        # of the loop's clock, so up to 6 s), and then refused by the gateway, so the
        # call never reached WeChat: exactly once is ours to keep. A call that WeChat
        # does carry out after the client gave up is the test below.
        ([{"delay_s": 7.0, "http_status": 504}], 0),
        ([{"errcode": 45009}, {"errcode": 45009}, {"errcode": -1}, {"errcode": -1}], 0),
        ([{"errcode": 40001}], 0),  # one refresh of the token, one retry
        ([{"errcode": 40001}, {"errcode": 40001}], 1),  # still refused: permanent
    ],
    ids=["5xx", "timeout", "quota-and-busy", "token-once", "token-twice"],
)
async def test_every_job_is_delivered_once_or_recorded_failed(
    *,
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
    faults: list[dict[str, float]],
    failed: int,
) -> None:
    app = create_app(write_config(), background=Background.nothing())
    client = await aiohttp_client(app)
    for openid in FOLLOWERS:
        fake_state.add_follower(APP_ID, openid)
        await exchange(client, player, player.text(openid, "我想试驾"))
    await app[EFFECTS].drain()  # the sends are queued behind the reply
    for fault in faults:
        fake_state.inject(CS_PATH, **fault)  # type: ignore[arg-type]
    worker = app[OUTBOX_WORKER]
    for _ in range(20):
        if not await worker.run_once():
            break
        # Fast-forward the backoff: the next round may retry at once.
        async with app[SESSIONS].begin() as session:
            await session.execute(
                update(OutboxJob)
                .where(OutboxJob.status == "pending")
                .values(next_attempt_at=utc_now())
            )
    async with app[SESSIONS]() as session:
        jobs = list(await session.scalars(select(OutboxJob).where(OutboxJob.kind == CS_KIND)))
    assert len(jobs) == 2 * len(FOLLOWERS)
    assert sorted(job.status for job in jobs) == sorted(
        ["failed"] * failed + ["done"] * (len(jobs) - failed)
    )
    assert all(
        job.last_error and "40001" in job.last_error for job in jobs if job.status == "failed"
    )
    delivered = [
        (m.openid, json.dumps(m.payload, sort_keys=True)) for m in fake_state.custom_messages
    ]
    assert len(delivered) == len(set(delivered))  # nothing delivered twice
    assert len(delivered) == sum(job.status == "done" for job in jobs)  # every done job once


async def test_a_send_that_wechat_finishes_after_the_timeout_is_at_least_once(
    *,
    write_config: ConfigWriter,
    aiohttp_client: ClientFactory,
    player: WeChatPlayer,
    fake_state: FakeWeChat,
) -> None:
    """The customer-service API has no idempotency key: after a timeout nobody can know
    whether WeChat sent the message, so the retry may repeat it. The job still ends done
    after one retry, and the follower gets the message at most once more than asked."""
    app = create_app(write_config(), background=Background.nothing())
    client = await aiohttp_client(app)
    fake_state.add_follower(APP_ID, "o_fan")
    await exchange(client, player, player.text("o_fan", "我想试驾"))
    await app[EFFECTS].drain()
    # Sends, but answers past the client's timeout (5 s, rounded up to at most 6 s).
    fake_state.inject(CS_PATH, delay_s=7.0)
    worker = app[OUTBOX_WORKER]
    assert await worker.run_once() >= 1
    async with app[SESSIONS].begin() as session:
        await session.execute(update(OutboxJob).values(next_attempt_at=utc_now()))
    while await worker.run_once():
        pass
    async with app[SESSIONS]() as session:
        jobs = list(await session.scalars(select(OutboxJob).where(OutboxJob.kind == CS_KIND)))
    assert [job.status for job in jobs] == ["done", "done"]
    assert sorted(job.attempts for job in jobs) == [1, 2]
    sent = [json.dumps(m.payload, sort_keys=True) for m in fake_state.custom_messages]
    assert len(sent) == 3 and len(set(sent)) == 2
