"""Custom-menu endpoints: create, get, delete, conditional menus, trymatch, selfmenu info.

The fake checks a body as WeChat does and answers the first fault with WeChat's code
(global return-code table; limits from api_createcustommenu / api_addconditionalmenu):
40016 top-level count (1-3), 40017 type, 40018 name (16 bytes), 40019 key (128 bytes),
40020 URL (1024 bytes); 40023-40027 the same for sub-buttons (1-5, 60-byte names);
65301 no such conditional menu, 65302 no such user, 65303 no default menu yet,
65304 empty match rule, 65316 conditional menus linking to more than 3 domains,
65317 a URL that is not a link, 65320 a match rule on sex, region or language
(refused since WeChat's privacy change), 46003 no menu made through the API.
"""

from __future__ import annotations

from typing import Final, NamedTuple
from urllib.parse import urlsplit

from aiohttp import web

from fakewechat import limits, replies
from fakewechat.auth import Call, protected
from fakewechat.menu_book import (
    AccountMenus,
    ConditionalMenu,
    JsonDict,
    answer_buttons,
    selfmenu_buttons,
)
from fakewechat.state import FakeWeChat

TOP_MAX: Final = 3
SUB_MAX: Final = 5
TOP_NAME_MAX_BYTES: Final = 16
SUB_NAME_MAX_BYTES: Final = 60
KEY_MAX_BYTES: Final = 128
URL_MAX_BYTES: Final = 1024
CONDITIONAL_DOMAINS_MAX: Final = 3

BUTTON_SIZE: Final = 40016
BUTTON_TYPE: Final = 40017
BUTTON_NAME: Final = 40018
BUTTON_KEY: Final = 40019
BUTTON_URL: Final = 40020
SUB_BUTTON_SIZE: Final = 40023
SUB_BUTTON_TYPE: Final = 40024
SUB_BUTTON_NAME: Final = 40025
SUB_BUTTON_KEY: Final = 40026
SUB_BUTTON_URL: Final = 40027
# Unverified: the code a button without its material id gets (a community answer
# about menu/create shows "invalid media_id", the global 40007).
INVALID_MEDIA_ID: Final = 40007
NO_MENU: Final = 46003
NO_CONDITIONAL_MENU: Final = 65301
NO_SUCH_USER: Final = 65302
NO_DEFAULT_MENU: Final = 65303
MATCH_RULE_EMPTY: Final = 65304
TOO_MANY_DOMAINS: Final = 65316
INVALID_URL: Final = 65317
PRIVATE_MATCH_RULE: Final = 65320

ERRMSGS: Final = {
    BUTTON_SIZE: "invalid button size",
    BUTTON_TYPE: "invalid button type",
    BUTTON_NAME: "invalid button name size",
    BUTTON_KEY: "invalid button key size",
    BUTTON_URL: "invalid button url size",
    SUB_BUTTON_SIZE: "invalid sub button size",
    SUB_BUTTON_TYPE: "invalid sub button type",
    SUB_BUTTON_NAME: "invalid sub button name size",
    SUB_BUTTON_KEY: "invalid sub button key size",
    SUB_BUTTON_URL: "invalid sub button url size",
    INVALID_MEDIA_ID: "invalid media_id",
    NO_MENU: "menu no exist",
    NO_CONDITIONAL_MENU: "conditional menu not exist",
    NO_SUCH_USER: "no such user",
    NO_DEFAULT_MENU: "there is no selfmenu, please create selfmenu first",
    MATCH_RULE_EMPTY: "match rule empty",
    TOO_MANY_DOMAINS: "too many domains in conditional menus",
    INVALID_URL: "invalid url",
    PRIVATE_MATCH_RULE: "match rule on private information is not supported",
}

# Each type and the fields it must carry (key-less types are answered by WeChat itself).
_NEEDS: Final = {
    **dict.fromkeys(
        ("click", "scancode_push", "scancode_waitmsg", "pic_sysphoto", "pic_photo_or_album",
         "pic_weixin", "location_select"),
        ("key",),
    ),
    "view": ("url",),
    "miniprogram": ("url", "appid", "pagepath"),
    "media_id": ("media_id",),
    "article_id": ("article_id",),
    "article_view_limited": ("article_id",),
}  # fmt: skip
_PRIVATE: Final = ("sex", "country", "province", "city", "language")


def _refuse(code: int) -> web.Response:
    if code not in ERRMSGS:
        return replies.error(code)  # a code the fake shares with other endpoints
    return replies.bare(errcode=code, errmsg=ERRMSGS[code])


def _size(text: object) -> int:
    return len(text.encode()) if isinstance(text, str) else 0


class _Codes(NamedTuple):
    """The codes of one level: top-level buttons, or sub-buttons."""

    type: int
    name: int
    key: int
    url: int
    name_max: int


_TOP = _Codes(BUTTON_TYPE, BUTTON_NAME, BUTTON_KEY, BUTTON_URL, TOP_NAME_MAX_BYTES)
_SUB = _Codes(SUB_BUTTON_TYPE, SUB_BUTTON_NAME, SUB_BUTTON_KEY, SUB_BUTTON_URL, SUB_NAME_MAX_BYTES)


def _button_fault(button: object, codes: _Codes) -> int | None:
    if not isinstance(button, dict):
        return codes.type
    if not 0 < _size(button.get("name")) <= codes.name_max:
        return codes.name
    subs = button.get("sub_button")
    if subs and codes is _TOP:
        if not isinstance(subs, list) or len(subs) > SUB_MAX:
            return SUB_BUTTON_SIZE
        return next((f for f in (_button_fault(s, _SUB) for s in subs) if f), None)
    needs = _NEEDS.get(str(button.get("type")))
    if needs is None:
        return codes.type
    return _field_fault(button, needs, codes)


def _field_fault(button: JsonDict, needs: tuple[str, ...], codes: _Codes) -> int | None:
    faults = {
        "key": codes.key if not 0 < _size(button.get("key")) <= KEY_MAX_BYTES else None,
        "url": _url_fault(button.get("url"), codes),
        "media_id": None if button.get("media_id") else INVALID_MEDIA_ID,
        "article_id": None if button.get("article_id") else INVALID_MEDIA_ID,
        "appid": None if button.get("appid") else limits.INVALID_APPID,
        "pagepath": None if button.get("pagepath") else limits.INVALID_APPID,
    }
    return next((faults[name] for name in needs if faults[name] is not None), None)


def _url_fault(url: object, codes: _Codes) -> int | None:
    if not 0 < _size(url) <= URL_MAX_BYTES:
        return codes.url
    parts = urlsplit(str(url))
    return None if parts.scheme in ("http", "https") and parts.netloc else INVALID_URL


def _menu_fault(buttons: object) -> int | None:
    if not isinstance(buttons, list) or not 0 < len(buttons) <= TOP_MAX:
        return BUTTON_SIZE
    return next((f for f in (_button_fault(b, _TOP) for b in buttons) if f), None)


def _menus(call: Call) -> AccountMenus:
    return call.state.menus_of(call.token.owner)


async def create(call: Call) -> web.Response:
    """`menu/create`: replaces the default menu; conditional menus stay."""
    buttons = call.body.get("button")
    fault = _menu_fault(buttons)
    if fault is not None:
        return _refuse(fault)
    menus = _menus(call)
    menus.default = list(buttons) if isinstance(buttons, list) else []
    menus.default_menuid = call.state.next_id()
    return replies.ok()


async def get(call: Call) -> web.Response:
    """`menu/get`: menus made through the API only (a console menu is 46003)."""
    menus = _menus(call)
    if menus.default is None:
        return _refuse(NO_MENU)
    answer: JsonDict = {
        "menu": {"button": answer_buttons(menus.default), "menuid": menus.default_menuid}
    }
    if menus.conditional:
        answer["conditionalmenu"] = [
            {"button": answer_buttons(m.buttons), "matchrule": m.matchrule, "menuid": m.menuid}
            for m in menus.conditional
        ]
    return replies.bare(**answer)


async def current_selfmenu_info(call: Call) -> web.Response:
    """`get_current_selfmenu_info`: the live menu, the API's or else the console's."""
    menus = _menus(call)
    buttons = menus.default if menus.default is not None else menus.console
    if buttons is None:
        return replies.bare(is_menu_open=0, selfmenu_info={"button": []})
    return replies.bare(is_menu_open=1, selfmenu_info={"button": selfmenu_buttons(buttons)})


async def delete(call: Call) -> web.Response:
    """`menu/delete`: the default menu and every conditional menu."""
    _menus(call).delete()
    return replies.ok()


async def add_conditional(call: Call) -> web.Response:
    """`menu/addconditional`: needs a default menu and a rule; answers the new menuid."""
    menus = _menus(call)
    if menus.default is None:
        return _refuse(NO_DEFAULT_MENU)
    rule = call.body.get("matchrule")
    buttons = call.body.get("button")
    fault = _rule_fault(call, rule) or _menu_fault(buttons)
    if fault is not None:
        return _refuse(fault)
    assert isinstance(buttons, list) and isinstance(rule, dict)  # noqa: S101 - checked above
    if len(_domains([*(m.buttons for m in menus.conditional), buttons])) > CONDITIONAL_DOMAINS_MAX:
        return _refuse(TOO_MANY_DOMAINS)
    menu = ConditionalMenu(call.state.next_id(), buttons, dict(rule))
    menus.conditional.append(menu)
    return replies.bare(menuid=str(menu.menuid))


def _rule_fault(call: Call, rule: object) -> int | None:
    if not isinstance(rule, dict) or not any(value not in (None, "") for value in rule.values()):
        return MATCH_RULE_EMPTY
    if any(rule.get(name) not in (None, "") for name in _PRIVATE):
        return PRIVATE_MATCH_RULE
    tag = str(rule.get("tag_id") or "")
    if tag and (not tag.isdigit() or int(tag) not in call.state.accounts[call.token.owner].tags):
        return limits.INVALID_TAG_ID
    return None


def _domains(menus: list[list[JsonDict]]) -> set[str]:
    found: set[str] = set()
    for buttons in menus:
        for button in buttons:
            for leaf in button.get("sub_button") or [button]:
                host = urlsplit(str(leaf.get("url") or "")).hostname
                if host:
                    found.add(host)
    return found


async def del_conditional(call: Call) -> web.Response:
    """`menu/delconditional`: 65301 for a menuid that is not there."""
    menus = _menus(call)
    wanted = str(call.body.get("menuid") or "")
    kept = [m for m in menus.conditional if str(m.menuid) != wanted]
    if len(kept) == len(menus.conditional):
        return _refuse(NO_CONDITIONAL_MENU)
    menus.conditional[:] = kept
    return replies.ok()


async def try_match(call: Call) -> web.Response:
    """`menu/trymatch`: the menu a follower (openid) sees, from the tags the fake holds."""
    appid = call.token.owner
    user = str(call.body.get("user_id") or "")
    follower = call.state.followers.get((appid, user))
    if follower is None and call.state.auto_followers and user:
        follower = call.state.add_follower(appid, user)
    if follower is None:
        return _refuse(NO_SUCH_USER)
    menus = _menus(call)
    shown = menus.shown_to(follower.tag_ids, menus.platforms.get(user))
    if shown is None:
        return _refuse(NO_MENU)
    return replies.bare(button=answer_buttons(shown))


def menu_routes(state: FakeWeChat) -> list[web.RouteDef]:
    """The custom-menu routes bound to `state`."""
    return [
        web.post("/cgi-bin/menu/create", protected(state, "oa", create)),
        web.get("/cgi-bin/menu/get", protected(state, "oa", get)),
        web.get(
            "/cgi-bin/get_current_selfmenu_info", protected(state, "oa", current_selfmenu_info)
        ),
        web.get("/cgi-bin/menu/delete", protected(state, "oa", delete)),
        web.post("/cgi-bin/menu/addconditional", protected(state, "oa", add_conditional)),
        web.post("/cgi-bin/menu/delconditional", protected(state, "oa", del_conditional)),
        web.post("/cgi-bin/menu/trymatch", protected(state, "oa", try_match)),
    ]
