"""Tag expiry on a controlled clock: per event, in the sweep, and for keyword tags by rule."""

from __future__ import annotations

from storage.database import SessionFactory
from tagging.sync_jobs import OA_TAG_SYNC
from tests.tagging.events import Clock, click, feed, pending_jobs, tagging_with, tags, timeline

RULES = """
[[counter]]
name = "one_click"
event = "click"
key = "MENU_PRICE"
at_least = 1
within_days = 7
tag = "看过价格"
expires_days = 3

[[expire]]
tag = "询价"
after_days = 10
"""


async def test_behaviour_tag_expires_after_its_days(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with(RULES, clock)
    pid = await click(sessions, tagging, "MENU_PRICE")
    clock.advance(days=2)
    await click(sessions, tagging, "MENU_PRICE")  # seen again: three more days from now
    clock.advance(days=2)
    await click(sessions, tagging, "OTHER")
    assert "看过价格" in await tags(sessions, pid)
    clock.advance(days=1, seconds=1)
    await click(sessions, tagging, "OTHER")
    assert "看过价格" not in await tags(sessions, pid)
    assert ("tag_expired", "看过价格") in await timeline(sessions, pid)


async def test_expiry_rule_applies_to_keyword_tags(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with(RULES, clock)
    pid = await feed(sessions, tagging, msg_type="text", content="价格", tags=("询价",))
    assert (await tags(sessions, pid))["询价"].expires_at is not None
    clock.advance(days=11)  # keyword tags are stamped with the real time
    async with sessions.begin() as session:
        assert await tagging.sweep_expired(session) == 1
    assert "询价" not in await tags(sessions, pid)


async def test_sweep_expires_for_everyone_and_untags_in_one_job_per_tag(
    sessions: SessionFactory,
) -> None:
    clock = Clock()
    tagging = tagging_with(RULES, clock)
    openids = [f"o{i:03d}" for i in range(120)]
    for openid in openids:
        await click(sessions, tagging, "MENU_PRICE", openid=openid)
    await pending_jobs(sessions, OA_TAG_SYNC)  # the adds, already sent
    clock.advance(days=4)
    async with sessions.begin() as session:
        assert await tagging.sweep_expired(session, limit=500) == 120
    async with sessions.begin() as session:
        assert await tagging.sweep_expired(session) == 0  # a second sweeper finds nothing
    jobs = await pending_jobs(sessions, OA_TAG_SYNC)
    assert len(jobs) == 1
    assert jobs[0]["remove"] == ["看过价格"]
    members = jobs[0]["openids"]
    assert isinstance(members, list)
    assert sorted(members) == openids
