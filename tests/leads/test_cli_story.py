"""The README's quick start through the CLI, against a bot on loopback HTTP.

A follower asks a price → the reply → a phone number makes a lead → the alert
card in `wxbot outbox` → a salesperson claims it with `simulate --wecom` →
`users show` names the owner. Each command runs `main(argv)` in a thread, as
the process it is for a user (it runs its own event loop).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.cli.main import main
from bot.config.settings import Settings
from tests.leads.helpers import LeadsBot

Wxbot = Callable[..., Awaitable[tuple[int, str, str]]]


@pytest.fixture
def wxbot(
    leads_bot: LeadsBot, leads_settings: Settings, capsys: pytest.CaptureFixture[str]
) -> Wxbot:
    base = str(leads_bot.client.make_url("")).rstrip("/")

    async def run(*args: str) -> tuple[int, str, str]:
        argv = ["--config", str(leads_settings.source), *args]
        if args[0] == "simulate":
            argv += ["--url", base]
        status = await asyncio.to_thread(main, argv)
        captured = capsys.readouterr()
        return status, captured.out, captured.err

    return run


async def test_the_quick_start_story(wxbot: Wxbot, leads_bot: LeadsBot) -> None:
    assert await wxbot("simulate", "--openid", "o_fan", "价格多少") == (
        0, "我们的价格表：https://example.com/price\n", ""
    )  # fmt: skip
    status, out, _ = await wxbot("simulate", "--openid", "o_fan", "我的电话 13800138000")
    assert (status, out) == (0, "已收到您的电话\n")
    await leads_bot.wait_alert("zhangsan")

    status, out, _ = await wxbot("outbox", "--kind", "lead.alert")
    assert status == 0
    [lead] = await leads_bot.leads()
    assert "lead.alert → sales  [done, 1 attempts]" in out
    assert f"card to zhangsan: 线索 #{lead.id}" in out
    assert "电话: 13800138000" in out and "> 价格多少" in out

    status, out, _ = await wxbot("simulate", "--wecom", "zhangsan", f"认领 {lead.id}")
    assert (status, out) == (0, f"已认领线索 #{lead.id}，请尽快联系客户\n")
    assert (await leads_bot.lead(lead.id)).claimed_at is not None

    status, out, _ = await wxbot("users", "show", "o_fan")
    assert status == 0
    assert f"Lead      #{lead.id}  new (待跟进)  owner zhangsan, claimed " in out


async def test_simulate_help_lists_both_sides(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    shown = capsys.readouterr().out
    assert "the follower's side" in shown and "the salesperson's side" in shown
    assert '--wecom zhangsan "认领 1"' in shown
