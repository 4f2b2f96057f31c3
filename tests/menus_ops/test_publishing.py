"""Publish, roll back, pull and try the menu through MenuStore, against the fake WeChat."""

from __future__ import annotations

import json
from typing import Any

import pytest
from sqlalchemy import select

from bot.ops.limits import MENU_PUBLISH_LOCK_KEY
from bot.ops.menu_ops import (
    CONFLICT,
    INVALID,
    NOT_FOUND,
    REFUSED,
    UNREACHABLE,
    MenuOpsError,
    MenuStore,
)
from bot.ops.menu_text import trial_text
from fakewechat.state import FakeWeChat
from menus.menu_file import parse_menu_text
from menus.model import MenuSet
from storage.admin_models import AdminAudit
from storage.database import SessionFactory
from storage.identities import resolve_profile
from storage.profile_tags import add_tag
from storage.types import utc_now
from tests.conftest import APP_ID
from tests.menus_ops.menus import V1, V2

CREATE = "/cgi-bin/menu/create"
ADD = "/cgi-bin/menu/addconditional"


def _parsed(text: str) -> Any:
    return parse_menu_text(text, "menu.toml")


def _fake_menus(
    state: FakeWeChat,
) -> tuple[list[Any] | None, list[tuple[dict[str, Any], list[Any]]]]:
    menus = state.menus_of(APP_ID)
    return menus.default, [(m.matchrule, m.buttons) for m in menus.conditional]


async def _audit(sessions: SessionFactory) -> list[tuple[str, str, str, dict[str, object]]]:
    async with sessions() as session:
        rows = await session.scalars(select(AdminAudit).order_by(AdminAudit.id))
        return [(row.actor, row.action, row.target, json.loads(row.detail)) for row in rows]


async def test_publish_makes_the_menu_live_at_wechat_and_records_it(
    store: MenuStore, fake_state: FakeWeChat, sessions: SessionFactory
) -> None:
    published = await store.publish("main", _parsed(V1), "alice", "menu.toml")
    default, conditional = _fake_menus(fake_state)
    assert default == [
        {"type": "click", "name": "价格", "key": "MENU_PRICE"},
        {"name": "服务", "sub_button": [
            {"type": "click", "name": "预约试驾", "key": "MENU_DRIVE"},
            {"type": "view", "name": "看车型", "url": "https://example.com/models"},
        ]},
    ]  # fmt: skip
    [(rule, buttons)] = conditional
    # The tag was made at WeChat for the rule, as the tag sync would make it.
    assert fake_state.accounts[APP_ID].tags[int(rule["tag_id"])] == "高意向"
    assert [b["name"] for b in buttons] == ["预约试驾", "价格"]
    version = published.version
    assert (version.number, version.scope, version.active, version.item_count) == (
        1,
        "main",
        True,
        5,
    )
    assert version.summary == "2 menus added (default, high_intent)"
    assert published.warnings == ()
    assert await _audit(sessions) == [
        (
            "alice",
            "menus.publish",
            "main",
            {
                "version": 1, "summary": "2 menus added (default, high_intent)",
                "added": ["default", "high_intent"], "removed": [], "changed": [],
                "note": "menu.toml",
            },
        )
    ]  # fmt: skip


async def test_a_new_version_replaces_the_conditional_menus_and_says_what_changed(
    store: MenuStore, fake_state: FakeWeChat
) -> None:
    await store.publish("main", _parsed(V1), "alice")
    published = await store.publish("main", _parsed(V2), "bob")
    _, conditional = _fake_menus(fake_state)
    assert [rule for rule, _ in conditional] == [{"client_platform_type": "1"}]
    assert published.diff.summary() == (
        "1 menu added (iphone); 1 menu removed (high_intent); "
        "1 button added (default/服务/试驾); 1 button removed (default/服务/预约试驾)"
    )
    assert [v.active for v in await store.history("main")] == [True, False]


BOTH = V1 + (
    '\n[[conditional]]\nname = "android"\nplatform = "android"\n'
    '[[conditional.button]]\nname = "价格"\ntype = "click"\nkey = "MENU_PRICE"\n'
)


async def test_conditional_menus_go_out_last_first_so_the_first_is_tried_first(
    store: MenuStore, fake_state: FakeWeChat
) -> None:
    await store.publish("main", _parsed(BOTH), "alice")
    rules = [call.body["matchrule"] for call in fake_state.calls_to(ADD) if call.body]
    assert rules[0] == {"client_platform_type": "2"}  # added first: tried last
    assert "tag_id" in rules[1]


async def test_rollback_publishes_an_old_version_again(
    store: MenuStore, fake_state: FakeWeChat, sessions: SessionFactory
) -> None:
    await store.publish("main", _parsed(V1), "alice")
    first = _fake_menus(fake_state)
    await store.publish("main", _parsed(V2), "alice")
    rolled = await store.rollback(1, "carol")
    assert _fake_menus(fake_state)[0] == first[0]
    assert [rule for rule, _ in _fake_menus(fake_state)[1]] == [rule for rule, _ in first[1]]
    assert (rolled.version.number, rolled.version.note) == (3, "rollback to version 1")
    actor, action, target, detail = (await _audit(sessions))[-1]
    assert (actor, action, target, detail["from_version"]) == ("carol", "menus.rollback", "main", 1)
    live = await store.live("main")
    assert live is not None and live.menus == _parsed(V1).menus


@pytest.mark.parametrize("menu", [V1, BOTH])
async def test_pull_reads_back_what_was_published(store: MenuStore, menu: str) -> None:
    await store.publish("main", _parsed(menu), "alice")
    pulled = await store.pull("main")
    assert pulled.menus == _parsed(menu).menus  # in match order, with the menus' names
    assert pulled.notes == ()


async def test_pull_of_a_menu_made_in_the_console(store: MenuStore, fake_state: FakeWeChat) -> None:
    fake_state.menus_of(APP_ID).console = [
        {"type": "view", "name": "官网", "url": "https://example.com"},
        {"name": "服务", "sub_button": [
            {"type": "text", "name": "联系我们", "value": "电话 400-000-0000"},
            {"type": "news", "name": "活动", "value": "MEDIA_NEWS_1"},
        ]},
    ]  # fmt: skip
    pulled = await store.pull("main")
    assert pulled.menus.default is not None
    [group] = [b for b in pulled.menus.default.buttons if b.sub_buttons]
    contact, news = group.sub_buttons
    assert (contact.type, contact.key) == ("click", "MENU_PULLED_1")
    assert (news.type, news.media_id) == ("media_id", "MEDIA_NEWS_1")
    [note] = pulled.notes
    assert "'联系我们' sent a text reply (电话 400-000-0000)" in note
    assert "MENU_PULLED_1" in note


async def test_pull_when_nothing_is_live(store: MenuStore) -> None:
    pulled = await store.pull("main")
    assert (pulled.menus, pulled.notes) == (MenuSet(), ("the account shows no custom menu",))


async def test_a_menu_with_errors_is_refused_before_any_call(
    store: MenuStore, fake_state: FakeWeChat
) -> None:
    bad = V1.replace('name = "价格"', 'name = "价格价格价格价格价格价格"', 1)
    with pytest.raises(MenuOpsError) as caught:
        await store.publish("main", _parsed(bad), "alice")
    assert caught.value.status == INVALID
    assert [(p.line, p.column) for p in caught.value.problems] == [(2, "name")]
    assert fake_state.calls_to(CREATE) == []
    assert await store.history() == []


async def test_a_refusal_by_wechat_records_nothing_and_keeps_the_old_conditional_menus(
    store: MenuStore, fake_state: FakeWeChat
) -> None:
    await store.publish("main", _parsed(V1), "alice")
    before = _fake_menus(fake_state)[1]
    fake_state.inject(ADD, errcode=65305)  # 个性化菜单数量受限
    with pytest.raises(MenuOpsError) as caught:
        await store.publish("main", _parsed(V2), "alice")
    assert caught.value.status == REFUSED
    assert "errcode 65305" in caught.value.message
    assert _fake_menus(fake_state)[1] == before
    assert [v.number for v in await store.history()] == [1]


async def test_wechat_unreachable_is_said_so(store: MenuStore, fake_state: FakeWeChat) -> None:
    fake_state.inject(CREATE, http_status=502)
    with pytest.raises(MenuOpsError) as caught:
        await store.publish("main", _parsed(V1), "alice")
    assert caught.value.status == UNREACHABLE


async def test_one_publish_at_a_time(store: MenuStore) -> None:
    await store.cache.set_if_absent(f"{MENU_PUBLISH_LOCK_KEY}:main", "dave:1", 60)
    with pytest.raises(MenuOpsError) as caught:
        await store.publish("main", _parsed(V1), "alice")
    assert (caught.value.status, caught.value.message) == (
        CONFLICT,
        "dave is publishing main's menu right now; try again",
    )


async def test_unknown_account_version_and_follower(store: MenuStore) -> None:
    for attempt in (
        lambda: store.publish("nope", _parsed(V1), "alice"),
        lambda: store.rollback(42, "alice"),
        lambda: store.try_follower("main", "o_nobody"),
    ):
        with pytest.raises(MenuOpsError) as caught:
            await attempt()
        assert caught.value.status == NOT_FOUND


async def test_try_names_the_menu_a_follower_sees(store: MenuStore, fake_state: FakeWeChat) -> None:
    fake_state.add_follower(APP_ID, "o_fan")
    await store.publish("main", _parsed(V1), "alice")
    trial = await store.try_follower("main", "o_fan")
    assert trial.menu is not None and trial.menu.name == "default"
    [tag_id] = fake_state.accounts[APP_ID].tags
    fake_state.followers[(APP_ID, "o_fan")].tag_ids.append(tag_id)
    trial = await store.try_follower("main", "o_fan")
    assert trial.menu is not None and trial.menu.name == "high_intent"
    assert [b.name for b in trial.buttons] == ["预约试驾", "价格"]


async def test_try_says_when_a_tagged_follower_is_passed_over(
    store: MenuStore, fake_state: FakeWeChat, sessions: SessionFactory
) -> None:
    """WeChat matches on the tag it put on last: a later tag hides the conditional menu."""
    fake_state.add_follower(APP_ID, "o_fan")
    await store.publish("main", _parsed(V1), "alice")
    [hot] = fake_state.accounts[APP_ID].tags
    fake_state.accounts[APP_ID].tags[hot + 1] = "询价"
    fake_state.followers[(APP_ID, "o_fan")].tag_ids.extend([hot, hot + 1])
    async with sessions.begin() as session:
        profile_id = await resolve_profile(session, "openid", "main", "o_fan", utc_now())
        await add_tag(session, profile_id, "高意向", category="behavior", source="t", at=utc_now())
    trial = await store.try_follower("main", "o_fan")
    assert trial.menu is not None and trial.menu.name == "default"
    assert [menu.name for menu in trial.passed_over] == ["high_intent"]
    assert trial_text("main", trial)[-1].startswith(
        "note: o_fan has tag 高意向 in wxbot, yet WeChat did not show menu high_intent"
    )


async def test_check_warns_both_ways_between_buttons_and_rules(store: MenuStore) -> None:
    text = V1.replace("MENU_DRIVE", "MENU_NOBODY")
    problems = await store.check("main", _parsed(text))
    found = {(p.source.rsplit("/", 1)[-1], p.line, p.column, p.message) for p in problems}
    unanswered = (
        "click key 'MENU_NOBODY' (预约试驾) is answered by no keyword rule and counted by no "
        "tagging rule: a tap gets no reply, tag or points"
    )
    assert {("menu.toml", 12, "key", unanswered), ("menu.toml", 26, "key", unanswered)} <= found
    assert (
        "keywords.csv", 11, "rule menu_drive",
        "click rule 'menu_drive' answers MENU_DRIVE, which no button of menu.toml sends",
    ) in found  # fmt: skip
