"""Steps under a clock the test controls: waits, conditions, actions, quiet hours, caps, exits."""

from __future__ import annotations

from sqlalchemy import select

from storage.models import InboundEvent, PointEntry, ProfileTag
from storage.profiles import merge_profiles
from tests.journeys.conftest import WorldFactory

STEPS = """
quiet_hours = "22:00-08:00"
daily_cap = 2

[[template]]
name = "sheet"
template_id = "TPL1"
data = { first = "价格表" }

[[journey]]
name = "waits"
trigger = "segment"
  [[journey.step]]
  wait = "30m"
  action = "text"
  text = "one"
  [[journey.step]]
  wait = "2h"
  action = "text"
  text = "two"
  [[journey.step]]
  wait = "next day at 10:00"
  action = "text"
  text = "three"
  [[journey.step]]
  wait = "1d"
  action = "text"
  text = "four"

[[journey]]
name = "conditions"
trigger = "segment"
  [[journey.step]]
  when = "tag:高意向 & !tag:已留资"
  action = "text"
  text = "tagged"
  [[journey.step]]
  when = "score>=100"
  action = "text"
  text = "rich"
  [[journey.step]]
  when = "score<100 | grade:A"
  action = "text"
  text = "poor or A"

[[journey]]
name = "actions"
trigger = "segment"
  [[journey.step]]
  action = "news"
  articles = [{ title = "试驾", description = "d", url = "https://e.com", picurl = "p" }]
  [[journey.step]]
  action = "image"
  media_id = "MEDIA1"
  [[journey.step]]
  wait = "next day at 10:00"
  action = "miniprogram"
  title = "小程序"
  appid = "wxmini"
  pagepath = "pages/index"
  thumb_media_id = "THUMB"
  [[journey.step]]
  action = "template"
  template = "sheet"
  [[journey.step]]
  wait = "next day at 10:00"
  action = "subscribe"
  template_id = "SUB1"
  data = { thing1 = "试驾提醒" }
  [[journey.step]]
  action = "add_tags"
  tags = ["旅程A", "旅程B"]
  [[journey.step]]
  action = "remove_tags"
  tags = ["旅程A"]
  [[journey.step]]
  action = "add_points"
  points = 7

[[journey]]
name = "exits"
trigger = "segment"
exit = "grade:A | lead:any | unsubscribed | tag:已购车"
  [[journey.step]]
  wait = "1h"
  action = "text"
  text = "nudge"

[[journey]]
name = "replies"
trigger = "segment"
  [[journey.step]]
  wait = "1d"
  when = "!replied & (lead:new | grade:A)"
  action = "text"
  text = "still quiet"

[[journey]]
name = "again"
trigger = "segment"
restart = true
  [[journey.step]]
  wait = "1h"
  action = "text"
  text = "again"

[[journey]]
name = "stale"
trigger = "segment"
  [[journey.step]]
  wait = "1h"
  stale_after = "2h"
  action = "text"
  text = "late news"
  [[journey.step]]
  wait = "1h"
  action = "text"
  text = "after stale"
"""


async def test_each_wait_kind_fires_at_its_time(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_wait")
    assert await world.enter("waits", who) == 1
    world.clock.advance(minutes=29)
    assert await world.fire() == 0
    world.clock.advance(minutes=1)
    await world.fire()
    assert world.texts_to("o_wait") == ["one"]
    world.clock.advance(hours=1, minutes=59)
    await world.fire()
    assert world.texts_to("o_wait") == ["one"]
    world.clock.advance(minutes=1)  # 12:30 Shanghai
    await world.fire()
    [run] = await world.runs(who)
    assert run.due_at is not None
    assert run.due_at.isoformat() == "2026-01-06T02:00:00+00:00"  # next day at 10:00 Shanghai
    world.clock.set_local(10)
    await world.fire()
    assert world.texts_to("o_wait") == ["one", "two", "three"]
    world.clock.advance(days=1)
    await world.fire()
    [run] = await world.runs(who)
    assert world.texts_to("o_wait")[-1] == "four" and run.status == "done"
    assert run.active_key is None


async def test_conditions_skip_steps_they_do_not_hold_for(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    tagged = await world.person("o_tagged", tags=["高意向"], score=120)
    both = await world.person("o_both", tags=["高意向", "已留资"], score=10)
    await world.enter("conditions", tagged, both)
    for _ in range(3):
        await world.fire()
    assert world.texts_to("o_tagged") == ["tagged", "rich"]
    assert world.texts_to("o_both") == ["poor or A"]
    assert (0, "skipped", None) in await world.events(both)


async def test_every_action_reaches_its_api(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    world.fake.subscribe_consents.add(("o_act", "SUB1"))
    who = await world.person("o_act", tags=["旅程A"])
    await world.enter("actions", who)
    for _ in range(3):
        await world.fire()
    world.clock.set_local(10)
    for _ in range(3):
        await world.fire()
    world.clock.set_local(10)
    for _ in range(5):
        await world.fire()
    kinds = [m.msgtype for m in world.fake.custom_messages if m.openid == "o_act"]
    assert kinds == ["news", "image", "miniprogrampage"]
    news = world.fake.custom_messages[0].payload["news"]["articles"][0]
    assert news["title"] == "试驾"
    template, subscribe = world.fake.template_messages
    assert (template.kind, template.template_id) == ("template", "TPL1")
    assert template.payload["data"] == {"first": {"value": "价格表"}}
    assert (subscribe.kind, subscribe.template_id) == ("subscribe", "SUB1")
    async with world.sessions() as session:
        tags = set(
            await session.scalars(select(ProfileTag.tag).where(ProfileTag.profile_id == who))
        )
        points = list(
            await session.scalars(select(PointEntry.points).where(PointEntry.profile_id == who))
        )
    assert tags == {"旅程B"} and points == [7]
    [run] = await world.runs(who)
    assert run.status == "done"


async def test_quiet_hours_hold_a_send_until_the_window_opens(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_quiet")
    world.clock.set_local(21, 30)
    await world.enter("exits", who)  # due 22:30: quiet
    world.clock.advance(hours=1)
    await world.fire()
    assert world.texts_to("o_quiet") == []
    [run] = await world.runs(who)
    assert run.due_at is not None and run.due_at.isoformat() == "2026-01-06T00:00:00+00:00"  # 08:00
    assert (0, "postponed", None) in await world.events(who)
    world.clock.set_local(8)
    await world.fire()
    assert world.texts_to("o_quiet") == ["nudge"]


async def test_the_daily_cap_holds_messages_across_journeys(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_cap", tags=["高意向"], score=150)
    await world.enter("conditions", who)
    await world.enter("waits", who)
    world.clock.advance(minutes=30)
    for _ in range(3):
        await world.fire()
    assert len(world.texts_to("o_cap")) == 2  # cap 2 a day, across journeys
    assert any(kind == "postponed" for _, kind, _ in await world.events(who))
    world.clock.set_local(8)
    await world.fire()
    assert len(world.texts_to("o_cap")) == 4


async def test_no_message_to_a_won_lead_in_do_not_disturb(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_won")
    await world.make_lead(who, owner="zhangsan", state="won", locked=True)
    await world.enter("waits", who)
    world.clock.advance(minutes=30)
    await world.fire()
    assert world.texts_to("o_won") == []
    assert (0, "skipped", None) in await world.events(who)


async def test_exits_end_a_run_early_with_the_reason(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    graded = await world.person("o_exit_graded")
    await world.make_lead(graded, owner="zhangsan", grade="A")
    lead = await world.person("o_exit_lead")
    gone = await world.person("o_exit_gone", subscribed=False)
    bought = await world.person("o_exit_bought", tags=["已购车"])
    stays = await world.person("o_exit_stays")
    await world.make_lead(lead, owner=None)
    await world.enter("exits", graded, lead, gone, bought, stays)
    world.clock.advance(hours=1)
    await world.fire()
    reasons = {run.profile_id: (run.status, run.exit_reason) for run in await world.runs()}
    assert reasons == {
        graded: ("exited", "exit: grade:A"),
        lead: ("exited", "exit: lead:any"),
        gone: ("exited", "exit: unsubscribed"),
        bought: ("exited", "exit: tag:已购车"),
        stays: ("done", "finished"),
    }
    assert world.texts_to("o_exit_stays") == ["nudge"]
    assert world.texts_to("o_exit_lead") == []


async def test_a_step_past_its_stale_limit_is_skipped(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_stale")
    await world.enter("stale", who)
    world.clock.advance(hours=4)  # due at +1h, the bot was down until +4h
    await world.fire()
    assert world.texts_to("o_stale") == []
    world.clock.advance(hours=1)
    await world.fire()
    assert world.texts_to("o_stale") == ["after stale"]


async def test_a_person_is_in_one_run_of_a_journey_at_a_time(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_once")
    assert await world.enter("waits", who) == 1
    assert await world.enter("waits", who) == 0
    assert len(await world.runs(who)) == 1


async def test_a_journey_marked_restart_starts_over_on_a_new_trigger(
    make_world: WorldFactory,
) -> None:
    world = await make_world(STEPS)
    who = await world.person("o_again")
    assert await world.enter("again", who) == 1
    world.clock.advance(minutes=50)
    assert await world.enter("again", who) == 1  # starts over: due an hour from now
    world.clock.advance(minutes=30)
    await world.fire()
    assert world.texts_to("o_again") == []
    world.clock.advance(minutes=30)
    await world.fire()
    assert world.texts_to("o_again") == ["again"]
    first, second = await world.runs(who)
    assert (first.status, first.exit_reason) == ("exited", "restarted")
    assert second.status == "done"


async def test_replied_grade_and_lead_state_conditions(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    quiet = await world.person("o_quiet_a")
    await world.make_lead(quiet, owner="zhangsan", state="contacting", grade="A")
    talker = await world.person("o_talker")
    await world.make_lead(talker, owner="zhangsan", state="new")
    stranger = await world.person("o_stranger")  # no lead: neither new nor A
    await world.enter("replies", quiet, talker, stranger)
    world.clock.advance(hours=3)
    async with world.sessions.begin() as session:
        session.add(
            InboundEvent(
                dedup_key="o_talker:1", account="main", openid="o_talker", profile_id=talker,
                msg_type="text", content="在吗", sent_at=world.clock(), received_at=world.clock(),
            )
        )  # fmt: skip
    world.clock.advance(days=1)
    await world.fire()
    assert world.texts_to("o_quiet_a") == ["still quiet"]  # grade A, never replied
    assert world.texts_to("o_talker") == []  # replied since the run started
    assert world.texts_to("o_stranger") == []


async def test_a_merge_leaves_one_active_run_per_journey(make_world: WorldFactory) -> None:
    world = await make_world(STEPS)
    older = await world.person("o_merge_a")
    newer = await world.person("o_merge_b")
    await world.enter("waits", older, newer)
    await world.enter("exits", newer)
    async with world.sessions.begin() as session:
        await merge_profiles(session, older, newer, reason="test", at=world.clock())
    runs = {(run.journey, run.status, run.exit_reason) for run in await world.runs()}
    assert runs == {
        ("waits", "active", None),
        ("waits", "exited", "merged"),
        ("exits", "active", None),
    }
    assert {run.profile_id for run in await world.runs()} == {older}
    assert await world.enter("exits", older) == 0  # the moved run holds the survivor's key
