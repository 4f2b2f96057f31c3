"""Driving the outbox by hand in tag-sync tests: drain it, and let retry delays pass."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from aiohttp import web
from sqlalchemy import select, update

from bot.app_keys import EFFECTS, OUTBOX_WORKER, SESSIONS
from bot.testing.wechat_player import WeChatPlayer
from storage.identities import resolve_profile
from storage.jobs import JobKind
from storage.models import OutboxJob
from storage.outbox import Outbox
from storage.profile_tags import add_tag
from storage.records import JobRequest
from storage.types import utc_now
from tests.bot.helpers import BotClient, send

RULES = """
[[counter]]
name = "price_clicks"
event = "click"
key = "MENU_PRICE"
at_least = 3
within_days = 7
tag = "高意向"
"""


def tagging_config(tmp_path: Path, rules: str = RULES) -> str:
    """The `extra` TOML for `write_config` that turns on a rules file."""
    (tmp_path / "tagging.toml").write_text(rules, encoding="utf-8")
    return '[tagging]\nrules = "tagging.toml"\n'


async def drain(app: web.Application, rounds: int = 20) -> None:
    """Apply stored events and run due outbox jobs until neither has work left."""
    for _ in range(rounds):
        applied = await app[EFFECTS].drain()
        if await app[OUTBOX_WORKER].run_once() == 0 and applied == 0:
            return
    raise AssertionError("the outbox did not drain")


async def skip_backoff(app: web.Application) -> None:
    """Make retried jobs due now, as if their backoff had passed."""
    async with app[SESSIONS].begin() as session:
        await session.execute(
            update(OutboxJob).where(OutboxJob.status == "pending").values(next_attempt_at=utc_now())
        )


async def jobs(app: web.Application, kind: JobKind[Any]) -> list[OutboxJob]:
    async with app[SESSIONS]() as session:
        rows = await session.scalars(select(OutboxJob).where(OutboxJob.kind == kind.name))
        return list(rows)


async def clicks(bot: BotClient, player: WeChatPlayer, openid: str, key: str, times: int) -> None:
    base = int(time.time())
    for i in range(times):
        status, _ = await send(bot, player.callback(player.event(openid, "CLICK", key, base + i)))
        assert status == 200


async def give_tag(app: web.Application, openids: list[str], tag: str) -> None:
    """Profiles for `openids` of account "main" that have `tag` in wxbot (no job queued)."""
    async with app[SESSIONS].begin() as session:
        for openid in openids:
            profile_id = await resolve_profile(session, "openid", "main", openid, utc_now())
            await add_tag(
                session, profile_id, tag, category="behavior", source="test", at=utc_now()
            )


async def enqueue(app: web.Application, job: JobRequest) -> None:
    await Outbox(app[SESSIONS]).enqueue([job])
