"""`wxbot outbox`: what the bot sent or tried, with payloads; `retry ID` re-queues a failure."""

from __future__ import annotations

import asyncio

import pytest

from bot.cli.main import main
from bot.config.settings import Settings
from handlers.customer_service import CUSTOM_SEND, CustomMessage
from leads.jobs import LEAD_ALERT, LeadAlert
from storage.database import SessionFactory
from storage.outbox import Outbox
from storage.outbox_listing import list_jobs
from storage.records import JobRequest
from tests.conftest import ConfigWriter

CUSTOM_TEXT = CustomMessage("o_fan", "text", text={"content": "试驾地址：星光路1号"})
CARD = LeadAlert(
    lead_id=7,
    touser="zhangsan",
    task_id="lead7_1",
    title="线索 #7",
    reason="新线索",
    phone="13800138000",
    channel="spring_expo",
    fields=[["电话", "13800138000"], ["渠道", "spring_expo"]],
    messages=["价格多少"],
)


@pytest.fixture
async def jobs(sessions: SessionFactory) -> list[int]:
    """A sent customer-service message, a failed alert card, a pending tag sync."""
    outbox = Outbox(sessions)
    await outbox.enqueue(
        [
            CUSTOM_SEND.request("main", CUSTOM_TEXT),
            LEAD_ALERT.request("sales", CARD),
            JobRequest("tags.oa_sync", "main", {"add": ["询价"], "openids": ["o_fan"]}),
            # A payload from an older release that no longer decodes is shown as stored.
            JobRequest("lead.alert", "sales", {"touser": "lisi"}),
        ]
    )
    sent, card, *_ = await outbox.claim(10, lease_s=60)
    await outbox.complete([sent.id])
    await outbox.fail(card.id, "errcode 81013: user not in the app's visible range")
    return [job.id for job in await list_jobs(sessions)]


async def run(
    settings: Settings, capsys: pytest.CaptureFixture[str], *args: str
) -> tuple[int, str, str]:
    status = await asyncio.to_thread(main, ["--config", str(settings.source), "outbox", *args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


async def test_lists_what_was_sent_with_readable_payloads(
    write_config: ConfigWriter, jobs: list[int], capsys: pytest.CaptureFixture[str]
) -> None:
    status, out, _ = await run(write_config(), capsys)
    assert status == 0
    assert "wechat.custom_send → main  [done, 1 attempts]" in out
    assert "text to o_fan: 试驾地址：星光路1号" in out
    assert "lead.alert → sales  [failed, 1 attempts]" in out
    assert "  error: errcode 81013: user not in the app's visible range" in out
    assert "card to zhangsan: 线索 #7 (新线索)" in out and "电话: 13800138000" in out
    assert '{"add": ["询价"], "openids": ["o_fan"]}' in out
    assert '{"touser": "lisi"}' in out
    assert "UTC+8" in out  # times say their zone


@pytest.mark.parametrize(
    ("args", "kinds"),
    [
        (("--status", "failed"), ["lead.alert"]),
        (("--kind", "tags.oa_sync"), ["tags.oa_sync"]),
        (("--status", "pending", "--kind", "lead.alert"), ["lead.alert"]),
        (("--status", "done", "--kind", "lead.alert"), []),
    ],
)
async def test_filters_by_kind_and_status(
    write_config: ConfigWriter,
    jobs: list[int],
    capsys: pytest.CaptureFixture[str],
    args: tuple[str, ...],
    kinds: list[str],
) -> None:
    status, out, _ = await run(write_config(), capsys, *args)
    assert status == 0
    shown = [line.split()[1] for line in out.splitlines() if line.startswith("#")]
    assert shown == kinds
    if not kinds:
        assert out == "no outbox jobs match\n"


async def test_retry_requeues_a_failed_job_which_a_worker_then_claims(
    write_config: ConfigWriter,
    jobs: list[int],
    sessions: SessionFactory,
    capsys: pytest.CaptureFixture[str],
) -> None:
    settings = write_config()
    [failed] = [job for job in await list_jobs(sessions) if job.status == "failed"]
    status, out, err = await run(settings, capsys, "retry", str(failed.id))
    assert status == 0
    assert (
        out == f"job #{failed.id} (failed) is queued again; a running bot sends it within seconds\n"
    )
    assert err.startswith("database: ")
    claimed = await Outbox(sessions).claim(10, lease_s=60)
    assert failed.id in [job.id for job in claimed]
    assert [LEAD_ALERT.decode(job.payload) for job in claimed if job.id == failed.id] == [CARD]


@pytest.mark.parametrize("which", ["done", "missing"])
async def test_retry_refuses_a_job_that_did_not_fail(
    write_config: ConfigWriter,
    jobs: list[int],
    sessions: SessionFactory,
    capsys: pytest.CaptureFixture[str],
    which: str,
) -> None:
    done = [job.id for job in await list_jobs(sessions) if job.status == "done"]
    job_id = done[0] if which == "done" else 999
    status, out, err = await run(write_config(), capsys, "retry", str(job_id))
    assert (status, out) == (2, "")
    expected = (
        f"outbox job #{job_id} is done: only failed or skipped jobs are re-queued"
        if which == "done"
        else f"no outbox job #{job_id}"
    )
    assert err.splitlines()[-1] == expected
    assert len(err.splitlines()) == 1  # the refusal alone: nothing was written
