"""MenuApi against the fake: every menu endpoint, limit and error code WeChat answers with."""

from __future__ import annotations

from typing import Any

import pytest

from fakewechat import FakeWeChat
from fakewechat import menu_routes as M
from tests.fakewechat.world import APPID, OPENIDS
from wxapi import ApiError, OfficialAccountClient
from wxapi.menus import MenuApi

CLICK = {"type": "click", "name": "价格", "key": "MENU_PRICE"}
VIEW = {"type": "view", "name": "看车型", "url": "https://example.com/models"}


@pytest.fixture
def menus(oa: OfficialAccountClient) -> MenuApi:
    return MenuApi(oa)


def _group(*subs: dict[str, Any], name: str = "服务") -> dict[str, Any]:
    return {"name": name, "sub_button": list(subs)}


async def test_create_then_get_gives_the_menu_back(menus: MenuApi) -> None:
    await menus.create([CLICK, _group(VIEW)])
    answer = await menus.get()
    assert answer is not None
    assert answer["menu"]["button"] == [
        {**CLICK, "sub_button": []},
        {"name": "服务", "sub_button": [{**VIEW, "sub_button": []}]},
    ]
    assert "conditionalmenu" not in answer


async def test_get_without_a_menu_is_none(menus: MenuApi) -> None:
    assert await menus.get() is None


async def test_current_selfmenu_info_lists_sub_buttons_under_list(menus: MenuApi) -> None:
    assert (await menus.current())["is_menu_open"] == 0
    await menus.create([_group(CLICK)])
    current = await menus.current()
    assert current["is_menu_open"] == 1
    assert current["selfmenu_info"]["button"] == [{"name": "服务", "sub_button": {"list": [CLICK]}}]


async def test_a_console_menu_shows_in_selfmenu_info_but_not_in_get(
    menus: MenuApi, state: FakeWeChat
) -> None:
    state.menus_of(APPID).console = [{"type": "text", "name": "联系我们", "value": "电话 400"}]
    assert await menus.get() is None
    current = await menus.current()
    assert current["selfmenu_info"]["button"][0]["value"] == "电话 400"


def _named(size: int) -> str:
    return "a" * size


@pytest.mark.parametrize(
    ("buttons", "code"),
    [
        ([], M.BUTTON_SIZE),
        ([CLICK, CLICK, CLICK, CLICK], M.BUTTON_SIZE),
        ([{**CLICK, "type": "tap"}], M.BUTTON_TYPE),
        ([{**CLICK, "name": _named(17)}], M.BUTTON_NAME),
        ([{**CLICK, "name": ""}], M.BUTTON_NAME),
        ([{**CLICK, "key": _named(129)}], M.BUTTON_KEY),
        ([{**CLICK, "key": ""}], M.BUTTON_KEY),
        ([{**VIEW, "url": "https://e.com/" + _named(1011)}], M.BUTTON_URL),
        ([_group(*[CLICK] * 6)], M.SUB_BUTTON_SIZE),
        ([_group({**CLICK, "type": "tap"})], M.SUB_BUTTON_TYPE),
        ([_group({**CLICK, "name": _named(61)})], M.SUB_BUTTON_NAME),
        ([_group({**CLICK, "key": _named(129)})], M.SUB_BUTTON_KEY),
        ([_group({**VIEW, "url": "https://e.com/" + _named(1011)})], M.SUB_BUTTON_URL),
        ([{**VIEW, "url": "example.com"}], M.INVALID_URL),
        ([{"type": "media_id", "name": "图片"}], M.INVALID_MEDIA_ID),
    ],
)
async def test_create_refuses_what_wechat_refuses(
    menus: MenuApi, buttons: list[dict[str, Any]], code: int
) -> None:
    with pytest.raises(ApiError) as caught:
        await menus.create(buttons)
    assert caught.value.errcode == code
    assert not caught.value.retryable
    assert await menus.get() is None


@pytest.mark.parametrize(
    "buttons",
    [
        [{**CLICK, "name": _named(16)}],  # 16 bytes is the top-level limit itself
        [_group({**CLICK, "name": "预" * 20})],  # 60 bytes in a sub-button
        [{**CLICK, "key": _named(128)}],
        [{**VIEW, "url": "https://e.com/" + _named(1010)}],  # exactly 1024 bytes
        [_group(*[CLICK] * 5), CLICK, VIEW],
        [
            {
                "type": "miniprogram",
                "name": "小程序",
                "url": "https://e.com",
                "appid": "wx1",
                "pagepath": "pages/index",
            },
        ],
    ],
)
async def test_create_accepts_the_limits_themselves(
    menus: MenuApi, buttons: list[dict[str, Any]]
) -> None:
    await menus.create(buttons)
    assert await menus.get() is not None


async def test_conditional_menu_needs_the_default_menu_first(
    menus: MenuApi, oa: OfficialAccountClient
) -> None:
    tag_id = await oa.create_tag("高意向")
    with pytest.raises(ApiError) as caught:
        await menus.add_conditional([CLICK], {"tag_id": str(tag_id)})
    assert caught.value.errcode == M.NO_DEFAULT_MENU


@pytest.mark.parametrize(
    ("rule", "code"),
    [
        ({}, M.MATCH_RULE_EMPTY),
        ({"tag_id": ""}, M.MATCH_RULE_EMPTY),
        ({"sex": "1"}, M.PRIVATE_MATCH_RULE),
        ({"client_platform_type": "1", "province": "广东"}, M.PRIVATE_MATCH_RULE),
        ({"language": "zh_CN"}, M.PRIVATE_MATCH_RULE),
        ({"tag_id": "999"}, 45159),
    ],
)
async def test_addconditional_refuses_bad_rules(
    menus: MenuApi, rule: dict[str, str], code: int
) -> None:
    await menus.create([CLICK])
    with pytest.raises(ApiError) as caught:
        await menus.add_conditional([VIEW], rule)
    assert caught.value.errcode == code


async def test_addconditional_checks_buttons_like_create(menus: MenuApi) -> None:
    await menus.create([CLICK])
    with pytest.raises(ApiError) as caught:
        await menus.add_conditional([{**CLICK, "name": _named(17)}], {"client_platform_type": "1"})
    assert caught.value.errcode == M.BUTTON_NAME


async def test_conditional_menus_link_to_three_domains_at_most(menus: MenuApi) -> None:
    await menus.create([CLICK])
    for host in ("a.com", "b.com", "c.com"):
        await menus.add_conditional(
            [{**VIEW, "url": f"https://{host}/x"}], {"client_platform_type": "1"}
        )
    with pytest.raises(ApiError) as caught:
        await menus.add_conditional(
            [{**VIEW, "url": "https://d.com/x"}], {"client_platform_type": "2"}
        )
    assert caught.value.errcode == M.TOO_MANY_DOMAINS


async def test_get_lists_conditional_menus_with_rule_and_id(
    menus: MenuApi, oa: OfficialAccountClient
) -> None:
    await menus.create([CLICK])
    tag_id = await oa.create_tag("高意向")
    menuid = await menus.add_conditional([VIEW], {"tag_id": str(tag_id)})
    answer = await menus.get()
    assert answer is not None
    [conditional] = answer["conditionalmenu"]
    assert conditional["menuid"] == menuid
    assert conditional["matchrule"] == {"tag_id": str(tag_id)}
    assert conditional["button"] == [{**VIEW, "sub_button": []}]


async def test_delconditional_removes_one_and_refuses_an_unknown_id(menus: MenuApi) -> None:
    await menus.create([CLICK])
    menuid = await menus.add_conditional([VIEW], {"client_platform_type": "2"})
    await menus.delete_conditional(menuid)
    with pytest.raises(ApiError) as caught:
        await menus.delete_conditional(menuid)
    assert caught.value.errcode == M.NO_CONDITIONAL_MENU


async def test_delete_removes_the_conditional_menus_too(menus: MenuApi) -> None:
    await menus.create([CLICK])
    await menus.add_conditional([VIEW], {"client_platform_type": "2"})
    await menus.delete()
    assert await menus.get() is None
    await menus.create([CLICK])
    answer = await menus.get()
    assert answer is not None and "conditionalmenu" not in answer


async def test_trymatch_answers_from_the_followers_tags(
    menus: MenuApi, oa: OfficialAccountClient
) -> None:
    await menus.create([CLICK])
    hot = await oa.create_tag("高意向")
    await menus.add_conditional([VIEW], {"tag_id": str(hot)})
    assert await menus.try_match(OPENIDS[0]) == [{**CLICK, "sub_button": []}]
    await oa.batch_tag(hot, [OPENIDS[0]])
    assert await menus.try_match(OPENIDS[0]) == [{**VIEW, "sub_button": []}]


async def test_trymatch_matches_on_the_tag_put_on_last(
    menus: MenuApi, oa: OfficialAccountClient
) -> None:
    """WeChat's note: a follower with several tags is matched on the last one put on."""
    await menus.create([CLICK])
    hot, cold = await oa.create_tag("高意向"), await oa.create_tag("低价值")
    await menus.add_conditional([VIEW], {"tag_id": str(hot)})
    await oa.batch_tag(hot, [OPENIDS[0]])
    await oa.batch_tag(cold, [OPENIDS[0]])
    assert await menus.try_match(OPENIDS[0]) == [{**CLICK, "sub_button": []}]


async def test_trymatch_tries_the_newest_conditional_menu_first(
    menus: MenuApi, state: FakeWeChat
) -> None:
    await menus.create([CLICK])
    older = {**VIEW, "name": "旧"}
    await menus.add_conditional([older], {"client_platform_type": "1"})
    await menus.add_conditional([VIEW], {"client_platform_type": "1"})
    state.menus_of(APPID).platforms[OPENIDS[0]] = "1"
    assert await menus.try_match(OPENIDS[0]) == [{**VIEW, "sub_button": []}]
    assert await menus.try_match(OPENIDS[1]) == [{**CLICK, "sub_button": []}]


async def test_trymatch_of_an_unknown_user_is_65302(menus: MenuApi) -> None:
    await menus.create([CLICK])
    with pytest.raises(ApiError) as caught:
        await menus.try_match("o_nobody")
    assert caught.value.errcode == M.NO_SUCH_USER
