"""The effects stage and the HTTP server as real processes: crashes, sharing, one port."""

from __future__ import annotations

import asyncio
import signal
import subprocess
from datetime import UTC, datetime, timedelta
from pathlib import Path

import aiohttp
import pytest
from sqlalchemy import func, select

from bot.config.settings import Settings
from bot.effects.limits import EFFECTS_LEASE_S
from bot.testing.wechat_player import WeChatPlayer
from storage.database import SessionFactory
from storage.models import InboundEvent, PointEntry, Profile
from storage.records import Decision, InboundRecord, PointGrant
from storage.types import utc_now
from tests.bot.effects.stage_helpers import append, stage
from tests.bot.processes import free_port, start_wxbot, stop, wait_healthy, with_port
from tests.conftest import ConfigWriter

ACCEPTED = 'wxbot_callbacks_total{account="main",outcome="accepted"}'
PEOPLE = 200
PER_PERSON = 15


def _backlog() -> list[tuple[InboundRecord, Decision]]:
    return [
        (
            InboundRecord(
                dedup_key=f"main:m:p{person}:{seq}",
                account="main",
                openid=f"p{person}",
                msg_type="text",
                event=None,
                event_key=None,
                content="价格",
                msg_id=seq,
                sent_at=datetime(2026, 12, 1, 8, 0, tzinfo=UTC),
            ),
            Decision(rule="r", points=(PointGrant(1, f"seq:{seq:03d}"),)),
        )
        for seq in range(PER_PERSON)
        for person in range(PEOPLE)
    ]


async def _applied(sessions: SessionFactory) -> int:
    async with sessions() as session:
        return int(
            await session.scalar(
                select(func.count()).where(InboundEvent.effects_state == "applied")
            )
            or 0
        )


async def _assert_each_applied_once_in_order(sessions: SessionFactory) -> None:
    total = PEOPLE * PER_PERSON
    assert await _applied(sessions) == total
    async with sessions() as session:
        # One point entry per event: a replayed batch would have written a second.
        assert await session.scalar(select(func.count()).select_from(PointEntry)) == total
        scores = set(await session.scalars(select(Profile.score)))
        rows = await session.execute(
            select(PointEntry.profile_id, PointEntry.reason).order_by(PointEntry.id)
        )
        orders: dict[int, list[str]] = {}
        for profile_id, reason in rows:
            orders.setdefault(profile_id, []).append(reason)
    assert scores == {PER_PERSON}
    assert len(orders) == PEOPLE
    expected = [f"seq:{seq:03d}" for seq in range(PER_PERSON)]
    assert all(reasons == expected for reasons in orders.values())


async def test_a_worker_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    settings: Settings, sessions: SessionFactory, tmp_path: Path
) -> None:
    await append(sessions, *_backlog())
    worker = start_wxbot("--config", str(settings.source), "worker")
    try:
        for _ in range(600):
            if await _applied(sessions) > 0:
                break
            await asyncio.sleep(0.01)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=10)
    finally:
        if worker.poll() is None:
            worker.kill()
    assert await _applied(sessions) < PEOPLE * PER_PERSON, "killed too late to prove anything"
    # The next consumer takes the dead one's partitions once its lease has run out.
    later = utc_now() + timedelta(seconds=EFFECTS_LEASE_S + 1)
    consumer = stage(sessions, clock=lambda: later)
    await consumer.drain()
    await consumer.stop()
    await _assert_each_applied_once_in_order(sessions)


@pytest.mark.shared_services
async def test_two_worker_processes_share_one_backlog(
    settings: Settings, sessions: SessionFactory
) -> None:
    await append(sessions, *_backlog())
    workers = start_wxbot("--config", str(settings.source), "worker", "--workers", "2")
    try:
        for _ in range(600):
            if await _applied(sessions) == PEOPLE * PER_PERSON:
                break
            await asyncio.sleep(0.05)
    finally:
        assert stop(workers) == 0
    await _assert_each_applied_once_in_order(sessions)


def _serve(
    write_config: ConfigWriter, tmp_path: Path, *flags: str
) -> tuple[subprocess.Popen[bytes], int, Path]:
    """`wxbot serve FLAGS…` on the test config and a spare port; the process, port and log."""
    write_config()
    port = free_port()
    config = with_port(tmp_path / "config.toml", port)
    log = tmp_path / "serve.log"
    return start_wxbot("serve", "--config", str(config), *flags, log=log), port, log


@pytest.mark.shared_services
async def test_serve_with_two_workers_answers_from_both_and_a_retry_is_one_event(
    write_config: ConfigWriter, tmp_path: Path, sessions: SessionFactory, player: WeChatPlayer
) -> None:
    server, port, log = _serve(write_config, tmp_path, "--workers", "2")
    base = f"http://127.0.0.1:{port}"
    try:
        await wait_healthy(f"{base}/healthz")
        sent = 40
        retry = player.callback(player.text("o_twice", "价格", msg_id=77), aes=True)
        replies = []
        # A fresh connection per request: SO_REUSEPORT spreads connections, not requests.
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(force_close=True)) as web:
            for n in range(sent):
                callback = player.callback(player.text(f"o_{n}", "价格", msg_id=n + 1))
                async with web.post(
                    f"{base}/wechat/main", params=callback.query, data=callback.body
                ) as response:
                    assert response.status == 200
            for _ in range(10):
                async with web.post(
                    f"{base}/wechat/main", params=retry.query, data=retry.body
                ) as response:
                    replies.append(player.read_reply(retry, await response.text())["Content"])
            counts = set()
            for _ in range(30):
                async with web.get(f"{base}/metrics") as response:
                    for line in (await response.text()).splitlines():
                        if line.startswith(
                            'wxbot_callbacks_total{account="main",outcome="accepted"}'
                        ):
                            counts.add(float(line.rsplit(" ", 1)[1]))
    finally:
        assert stop(server) == 0
    serving = [line for line in log.read_text().splitlines() if "serving on" in line]
    assert len({line.split("process ")[1].split()[0] for line in serving}) == 2
    # Each process counts its own callbacks: two counters, together every message once.
    assert len(counts) == 2 and sum(counts) == sent + 1, counts
    assert len(set(replies)) == 1
    async with sessions() as session:
        stored = await session.scalar(select(func.count()).where(InboundEvent.openid == "o_twice"))
    assert stored == 1


async def _post_and_wait_applied(
    base: str, player: WeChatPlayer, sessions: SessionFactory, sent: int
) -> None:
    async with aiohttp.ClientSession() as web:
        for n in range(sent):
            callback = player.callback(player.text(f"o_split{n}", "价格", msg_id=500 + n))
            async with web.post(
                f"{base}/wechat/main", params=callback.query, data=callback.body
            ) as response:
                assert response.status == 200
    for _ in range(100):
        if await _applied(sessions) == sent:
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{await _applied(sessions)} of {sent} events applied")


@pytest.mark.shared_services
@pytest.mark.parametrize("in_process", [False, True])
async def test_serve_applies_effects_in_a_process_of_its_own_unless_told_not_to(
    write_config: ConfigWriter,
    tmp_path: Path,
    sessions: SessionFactory,
    player: WeChatPlayer,
    in_process: bool,
) -> None:
    flags = ["--no-stage-process"] if in_process else []
    server, port, log = _serve(write_config, tmp_path, *flags)
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz")
        await _post_and_wait_applied(f"http://127.0.0.1:{port}", player, sessions, 20)
    finally:
        assert stop(server) == 0
    lines = log.read_text().splitlines()
    serving = [line for line in lines if "serving on" in line]
    stage = [line for line in lines if "running the effects stage" in line]
    assert len(serving) == 1
    if in_process:
        assert stage == []
        assert f"process {server.pid} serving" in serving[0]
    else:
        # A master, the serving child and the stage's child: three processes.
        assert len(stage) == 1
        assert f"process {server.pid} " not in serving[0] + stage[0]


def _running(pid: int) -> bool:
    """Alive and not a zombie (an orphan's zombie waits for whoever reaps orphans here)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text(encoding="utf-8")
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.shared_services
async def test_the_children_die_with_a_master_killed_by_sigkill(
    write_config: ConfigWriter, tmp_path: Path
) -> None:
    # SIGKILL (or the OOM killer) gives the master no chance to stop its children; a
    # serving child left behind would keep the port (SO_REUSEPORT) beside the next bot.
    # With Redis: a master, two serving children and the stage's child.
    server, port, log = _serve(write_config, tmp_path, "--workers", "2")
    try:
        await wait_healthy(f"http://127.0.0.1:{port}/healthz")
        for _ in range(100):  # every child says it runs
            lines = [line for line in log.read_text().splitlines()
                     if "serving on" in line or "running the effects stage" in line]  # fmt: skip
            if len(lines) == 3:
                break
            await asyncio.sleep(0.1)
        children = [int(line.split("process ")[1].split()[0]) for line in lines]
        assert len(children) == 3 and server.pid not in children
        server.send_signal(signal.SIGKILL)
        server.wait(timeout=10)
        for _ in range(100):
            if not any(_running(pid) for pid in children):
                break
            await asyncio.sleep(0.1)
        assert [pid for pid in children if _running(pid)] == []
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
