"""Each rule kind and signal source, through the evaluation step on a stored event."""

from __future__ import annotations

from storage.database import SessionFactory
from tagging.sync_jobs import FETCH_UNIONID, OA_TAG_SYNC
from tests.tagging.events import (
    Clock,
    click,
    feed,
    pending_jobs,
    profile,
    tagging_with,
    tags,
    text,
    timeline,
)

COUNTER = """
[[counter]]
name = "price_clicks"
event = "click"
key = "MENU_PRICE"
at_least = 3
within_days = 7
tag = "高意向"
expires_days = 14
points = 15

[[counter]]
name = "asks_discount"
event = "text"
key = "优惠"
at_least = 2
within_days = 30
tag = "价格敏感"
"""

TIERS = """
[[tier]]
name = "value"
metric = "points"
within_days = 30
levels = [{ at_least = 30, tag = "中价值" }, { at_least = 100, tag = "高价值" }]
otherwise = "低价值"
"""

TOUCH = """
[touch]
first = "首触渠道:{channel}"
last = "末触渠道:{channel}"
names = { spring_expo = "春季车展" }
"""


async def test_counter_tags_after_enough_clicks_within_the_window(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with(COUNTER, clock)
    pid = await click(sessions, tagging, "MENU_PRICE")
    clock.advance(days=6)
    await click(sessions, tagging, "MENU_PRICE")
    await click(sessions, tagging, "MENU_OTHER")
    assert "高意向" not in await tags(sessions, pid)
    clock.advance(days=2)  # the first click is now 8 days old: still two in the window
    await click(sessions, tagging, "MENU_PRICE")
    assert "高意向" not in await tags(sessions, pid)
    await click(sessions, tagging, "MENU_PRICE")
    tag = (await tags(sessions, pid))["高意向"]
    assert (tag.category, tag.source) == ("behavior", "counter:price_clicks")
    assert tag.expires_at is not None
    assert (await profile(sessions, pid)).score == 15
    assert ("tag_added", "高意向") in await timeline(sessions, pid)


async def test_a_click_counter_counts_every_menu_event_with_the_key(
    sessions: SessionFactory,
) -> None:
    """A scanner, photo or location button carries its key like a click, and counts as one."""
    tagging = tagging_with(COUNTER, Clock())
    pid = await feed(sessions, tagging, event="scancode_waitmsg", key="MENU_PRICE")
    await feed(sessions, tagging, event="location_select", key="MENU_PRICE")
    assert "高意向" not in await tags(sessions, pid)
    await feed(sessions, tagging, event="pic_weixin", key="MENU_PRICE")
    assert (await tags(sessions, pid))["高意向"].source == "counter:price_clicks"


async def test_text_counter_counts_messages_containing_the_word(sessions: SessionFactory) -> None:
    tagging = tagging_with(COUNTER, Clock())
    pid = await text(sessions, tagging, "有优惠吗")
    await text(sessions, tagging, "你好")
    assert "价格敏感" not in await tags(sessions, pid)
    await text(sessions, tagging, "现在优惠多少")
    assert "价格敏感" in await tags(sessions, pid)


async def test_tier_moves_up_and_back_down_as_points_age(sessions: SessionFactory) -> None:
    clock = Clock()
    tagging = tagging_with(TIERS, clock)
    pid = await feed(sessions, tagging, event="click", key="X")
    assert set(await tags(sessions, pid)) == {"低价值"}
    await feed(sessions, tagging, msg_type="text", content="价格", tags=("询价",), points=40)
    assert set(await tags(sessions, pid)) == {"中价值", "询价"}
    await feed(sessions, tagging, msg_type="text", content="试驾", points=70)
    assert set(await tags(sessions, pid)) == {"高价值", "询价"}
    clock.advance(days=31)
    await feed(sessions, tagging, event="click", key="X")
    assert set(await tags(sessions, pid)) == {"低价值", "询价"}
    assert (await tags(sessions, pid))["低价值"].category == "value"
    entries = await timeline(sessions, pid)
    assert ("tag_removed", "中价值") in entries
    assert ("tag_removed", "高价值") in entries


async def test_touch_channels_keep_first_and_replace_last(sessions: SessionFactory) -> None:
    tagging = tagging_with(TOUCH, Clock())
    pid = await feed(sessions, tagging, event="subscribe", key="spring_expo", channel="spring_expo")
    assert set(await tags(sessions, pid)) == {"首触渠道:春季车展", "末触渠道:春季车展"}
    await feed(sessions, tagging, event="scan", key="store_qr", channel="store_qr")
    current = await tags(sessions, pid)
    assert set(current) == {"首触渠道:春季车展", "末触渠道:store_qr"}
    assert current["首触渠道:春季车展"].category == "attribute"
    found = await profile(sessions, pid)
    assert (found.first_channel, found.last_channel) == ("spring_expo", "store_qr")
    assert ("channel", "store_qr") in await timeline(sessions, pid)


async def test_keyword_tags_reach_the_timeline_and_the_official_account(
    sessions: SessionFactory,
) -> None:
    tagging = tagging_with("", Clock())
    pid = await feed(sessions, tagging, msg_type="text", content="价格", tags=("询价",), points=30)
    entries = await timeline(sessions, pid)
    assert ("tag_added", "询价") in entries
    assert ("points", None) in entries
    jobs = await pending_jobs(sessions, OA_TAG_SYNC)
    assert jobs == [{"target": "main", "openids": ["o_alice"], "add": ["询价"], "remove": []}]


async def test_phone_in_a_message_sets_phone_tag_and_points_once(sessions: SessionFactory) -> None:
    tagging = tagging_with("[contact]\nphone_points = 50\n", Clock())
    pid = await text(sessions, tagging, "我的电话是 +86 138-0013-8000，请联系")
    await text(sessions, tagging, "再说一次 13800138000")
    found = await profile(sessions, pid)
    assert (found.phone, found.score) == ("13800138000", 50)
    assert "留资" in await tags(sessions, pid)
    assert ("phone", "13800138000") in await timeline(sessions, pid)


async def test_wechat_id_in_a_message_is_kept_and_tagged(sessions: SessionFactory) -> None:
    tagging = tagging_with("", Clock())
    pid = await text(sessions, tagging, "加我微信号：tom_2024")
    assert "留微信" in await tags(sessions, pid)
    assert ("wechat_id", "tom_2024") in await timeline(sessions, pid)


async def test_unsubscribe_tags_and_a_new_follow_clears_it(sessions: SessionFactory) -> None:
    tagging = tagging_with('[unsubscribe]\ntag = "已取关"\npoints = -20\n', Clock())
    pid = await feed(sessions, tagging, event="unsubscribe", subscribed=False)
    assert "已取关" in await tags(sessions, pid)
    assert (await profile(sessions, pid)).score == -20
    await feed(sessions, tagging, event="subscribe", subscribed=True)
    assert "已取关" not in await tags(sessions, pid)
    kinds = [kind for kind, _ in await timeline(sessions, pid)]
    assert kinds.index("unsubscribed") < kinds.index("subscribed")


async def test_a_follow_queues_the_unionid_look_up(sessions: SessionFactory) -> None:
    tagging = tagging_with("", Clock())
    await feed(sessions, tagging, event="subscribe", openid="o_bob", subscribed=True)
    assert await pending_jobs(sessions, FETCH_UNIONID) == [{"target": "main", "openid": "o_bob"}]
