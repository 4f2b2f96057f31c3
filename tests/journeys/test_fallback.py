"""Channel fallback: 45015 or unfollowed → the step's template → the WeCom owner → a reminder."""

from __future__ import annotations

from sqlalchemy import select

from bot.runtime.metrics_snapshot import refresh_gauges
from fakewechat import limits
from storage.journey_models import JourneyRun
from storage.models import OutboxJob
from storage.tagging_models import TimelineEntry
from tests.journeys.conftest import WorldFactory

FALLBACK = """
[[template]]
name = "sheet"
template_id = "TPL1"
url = "https://example.com/price"
data = { first = "价格表" }

[[journey]]
name = "with_template"
trigger = "segment"
  [[journey.step]]
  action = "text"
  text = "价格表在这里"
  template = "sheet"

[[journey]]
name = "plain"
trigger = "segment"
  [[journey.step]]
  action = "text"
  text = "本周到店有礼"

[[journey]]
name = "via_owner"
trigger = "segment"
  [[journey.step]]
  action = "wecom"
  text = "您好，我是您的专属顾问"

[[journey]]
name = "call"
trigger = "segment"
  [[journey.step]]
  action = "remind"
  text = "请今天电话联系"
"""


async def test_a_closed_window_falls_back_to_the_named_template(make_world: WorldFactory) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_window")
    world.fake.block_openid("o_window", limits.OUT_OF_SERVICE_WINDOW)
    await world.enter("with_template", who)
    await world.fire()
    [template] = world.fake.template_messages
    assert template.openid == "o_window" and template.template_id == "TPL1"
    assert template.payload["client_msg_id"] == "j1s0"
    assert await world.events(who) == [
        (0, "queued", "custom"),
        (0, "done", None),
        (0, "failed", "custom"),
        (0, "sent", "template"),
    ]
    async with world.sessions() as session:
        [entry] = await session.scalars(
            select(TimelineEntry).where(
                TimelineEntry.profile_id == who, TimelineEntry.kind == "journey"
            )
        )
    assert entry.detail == "step 1: custom failed (errcode 45015) → template sent"
    sends = {
        (channel, outcome): world.metrics.registry.get_sample_value(
            "wxbot_journey_sends_total",
            {"journey": "with_template", "channel": channel, "outcome": outcome},
        )
        for channel, outcome in [("custom", "failed"), ("template", "sent"), ("custom", "sent")]
    }
    assert sends == {("custom", "failed"): 1, ("template", "sent"): 1, ("custom", "sent"): None}


async def test_an_unfollowed_person_is_reached_through_their_wecom_owner(
    make_world: WorldFactory,
) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_gone", subscribed=False)
    await world.make_lead(who, owner="zhangsan", external="wm_gone")
    world.fake.add_external_contact("wm_gone", "客户", ["zhangsan"])
    await world.enter("with_template", who)
    await world.fire()
    assert world.fake.custom_messages == []
    [task] = world.fake.msg_templates
    assert task.sender == "zhangsan" and task.external_userids == ("wm_gone",)
    assert task.payload["text"] == {"content": "价格表在这里"}
    channels = [(kind, channel) for _, kind, channel in await world.events(who)]
    assert ("failed", "template") in channels and ("sent", "wecom") in channels


async def test_with_no_template_and_no_relation_the_owner_is_reminded(
    make_world: WorldFactory,
) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_nobody")
    world.fake.block_openid("o_nobody", limits.OUT_OF_SERVICE_WINDOW)
    await world.make_lead(who, owner="lisi", external="wm_stranger")
    await world.enter("plain", who)
    await world.fire()
    assert world.fake.msg_templates == []
    [reminder] = [m for m in world.fake.wecom_messages if m.msgtype == "text"]
    assert reminder.touser == ("lisi",)
    assert "本周到店有礼" in reminder.payload["text"]["content"]
    kinds = [(kind, channel) for _, kind, channel in await world.events(who)]
    assert kinds[-3:] == [("failed", "custom"), ("failed", "wecom"), ("sent", "remind")]


async def test_nobody_to_reach_is_recorded_not_dropped_silently(make_world: WorldFactory) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_lost", subscribed=False)
    await world.enter("plain", who)
    await world.fire()
    assert [kind for _, kind, _ in await world.events(who)] == ["unreachable", "done"]
    await refresh_gauges(world.metrics, world.sessions, world.clock)
    async with world.sessions() as session:
        [status] = await session.scalars(
            select(JourneyRun.status).where(JourneyRun.profile_id == who)
        )
    runs = {"journey": "plain", "status": status}
    assert world.metrics.registry.get_sample_value("wxbot_journey_runs", runs) == 1


async def test_a_reminder_step_goes_to_the_owner(make_world: WorldFactory) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_call")
    await world.make_lead(who, owner="zhangsan")
    await world.enter("call", who)
    await world.fire()
    [reminder] = world.fake.wecom_messages
    assert reminder.payload["text"]["content"].endswith("请今天电话联系")


async def test_a_quota_error_is_retried_later_not_dropped(make_world: WorldFactory) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_quota")
    world.fake.inject("/cgi-bin/message/custom/send", errcode=limits.QUOTA_DAILY)
    await world.enter("plain", who)
    await world.fire()
    assert world.texts_to("o_quota") == []
    async with world.sessions() as session:
        [job] = await session.scalars(select(OutboxJob).where(OutboxJob.kind == "journey.send"))
    assert job.status == "pending" and "45009" in (job.last_error or "")
    world.clock.advance(minutes=1)
    await world.fire()
    assert world.texts_to("o_quota") == ["本周到店有礼"]


async def test_a_wecom_step_goes_through_the_owner_first(make_world: WorldFactory) -> None:
    world = await make_world(FALLBACK)
    who = await world.person("o_owner")
    await world.make_lead(who, owner="zhangsan", external="wm_owner")
    world.fake.add_external_contact("wm_owner", "客户", ["zhangsan"])
    await world.enter("via_owner", who)
    await world.fire()
    [task] = world.fake.msg_templates
    assert task.payload == {
        "chat_type": "single",
        "external_userid": ["wm_owner"],
        "sender": "zhangsan",
        "text": {"content": "您好，我是您的专属顾问"},
    }
    assert world.fake.custom_messages == []
