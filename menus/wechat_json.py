"""A `MenuSet` as WeChat's API bodies, and the menus WeChat's answers describe.

Bodies follow api_createcustommenu / api_addconditionalmenu; answers are those of
`menu/get` (menus made through the API, conditional ones with `matchrule` and
`menuid`), `get_current_selfmenu_info` (whatever is live, console-made included)
and `menu/trymatch` (the buttons one follower sees).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from menus.model import (
    DEFAULT_MENU,
    PRIVATE_MATCH_FIELDS,
    VALUE_FIELDS,
    Button,
    MatchRule,
    Menu,
    MenuSet,
    Platform,
)

JsonDict = dict[str, Any]


def buttons_json(buttons: Sequence[Button]) -> list[JsonDict]:
    """The `button` array of a create or addconditional body."""
    return [_button_json(button) for button in buttons]


def _button_json(button: Button) -> JsonDict:
    if button.sub_buttons:
        return {"name": button.name, "sub_button": buttons_json(button.sub_buttons)}
    kind = button.kind
    fields = kind.needs if kind is not None else VALUE_FIELDS
    values = {name: button.value(name) for name in fields if button.value(name)}
    return {"type": button.type, "name": button.name, **values}


def match_json(rule: MatchRule, tag_ids: Mapping[str, int]) -> JsonDict:
    """The `matchrule` of an addconditional body; `tag_ids` maps tag names to WeChat ids."""
    body: JsonDict = {}
    if rule.tag:
        body["tag_id"] = str(tag_ids[rule.tag])
    elif rule.tag_id is not None:
        body["tag_id"] = str(rule.tag_id)
    platform = Platform(rule.platform) if rule.platform else None
    if platform is not None:
        body["client_platform_type"] = platform.wechat
    body.update(dict(rule.private))
    return body


def buttons_from_json(items: object) -> tuple[Button, ...]:
    """Buttons from an answer; `sub_button` may be a list or `{"list": [...]}`."""
    if isinstance(items, Mapping):
        items = items.get("list", [])
    if not isinstance(items, list):
        return ()
    return tuple(_button_from_json(item) for item in items if isinstance(item, Mapping))


def _button_from_json(item: Mapping[str, Any]) -> Button:
    subs = buttons_from_json(item.get("sub_button", []))
    values = {} if subs else {name: str(item.get(name) or "") for name in VALUE_FIELDS}
    kind = "" if subs else str(item.get("type", ""))
    return Button.with_values(str(item.get("name", "")), kind, values, subs)


@dataclass(frozen=True)
class PulledMenus:
    """What an account shows now, as a `MenuSet`, and what could not be carried over."""

    menus: MenuSet
    notes: tuple[str, ...] = ()


def menus_from_api(answer: Mapping[str, Any], tag_names: Mapping[int, str]) -> MenuSet:
    """The `menu/get` answer: the default menu and the conditional ones in match order.

    WeChat tries conditional menus newest (highest menuid) first, so that is the
    order a menu file lists them in.
    """
    default_json = answer.get("menu") or {}
    default = Menu(DEFAULT_MENU, buttons_from_json(default_json.get("button", [])))
    conditional = sorted(
        (item for item in answer.get("conditionalmenu") or [] if isinstance(item, Mapping)),
        key=lambda item: -int(item.get("menuid") or 0),
    )
    menus = tuple(_conditional(item, tag_names) for item in conditional)
    return MenuSet(default if default.buttons else None, menus)


def _conditional(item: Mapping[str, Any], tag_names: Mapping[int, str]) -> Menu:
    raw = item.get("matchrule") or {}
    tag_text = str(raw.get("tag_id") or raw.get("group_id") or "")
    tag_id = int(tag_text) if tag_text.isdigit() else None
    tag = tag_names.get(tag_id, "") if tag_id is not None else ""
    platform = Platform.from_wechat(str(raw.get("client_platform_type") or ""))
    rule = MatchRule(
        tag=tag,
        tag_id=tag_id if tag_id is not None and not tag else None,
        platform=platform.value if platform is not None else "",
        private=tuple(
            (name, str(raw[name]))
            for name in PRIVATE_MATCH_FIELDS
            if raw.get(name) not in (None, "")
        ),
    )
    name = tag or f"menu_{item.get('menuid', '')}"
    return Menu(name, buttons_from_json(item.get("button", [])), rule)


# Types only the console can make (get_current_selfmenu_info): WeChat answers them itself.
_CONSOLE_REPLIES = {"text": "a text reply", "img": "an image", "voice": "a voice message",
                    "video": "a video"}  # fmt: skip


def menus_from_console(answer: Mapping[str, Any]) -> PulledMenus:
    """The `get_current_selfmenu_info` answer: a menu made in WeChat's console, as far as
    the API can make it again.

    The console's own reply buttons (text, image, voice, video) have no API type: each
    becomes a `click` button with a made-up key, and a note says which keyword rule to
    add so the tap is answered as before. A console `news` button keeps its permanent
    material id as a `media_id` button.
    """
    info = answer.get("selfmenu_info") or {}
    notes: list[str] = []
    counter = iter(range(1, 1000))

    def convert(button: Button, item: Mapping[str, Any]) -> Button:
        kind = str(item.get("type", ""))
        if kind == "news":
            return Button(button.name, "media_id", media_id=str(item.get("value", "")))
        if kind in _CONSOLE_REPLIES:
            key = f"MENU_PULLED_{next(counter)}"
            value = str(item.get("value", ""))
            notes.append(
                f"{button.name!r} sent {_CONSOLE_REPLIES[kind]} ({value[:60]}) from WeChat's "
                f"console: now click key {key}; add a keyword rule (trigger click) that answers it"
            )
            return Button(button.name, "click", key=key)
        return button

    buttons: list[Button] = []
    for item in info.get("button") or []:
        top = _button_from_json(item)
        subs_json = (item.get("sub_button") or {}).get("list", []) if top.sub_buttons else []
        if top.sub_buttons:
            subs = tuple(
                convert(b, raw) for b, raw in zip(top.sub_buttons, subs_json, strict=False)
            )
            buttons.append(Button(top.name, sub_buttons=subs))
        else:
            buttons.append(convert(top, item))
    default = Menu(DEFAULT_MENU, tuple(buttons)) if buttons else None
    return PulledMenus(MenuSet(default, ()), tuple(notes))


def named_as(pulled: MenuSet, known: MenuSet) -> MenuSet:
    """`pulled` with each conditional menu named as its twin (same rule, same buttons) in
    `known`: WeChat keeps no names, so a pull names menus after their tags."""
    twins = {(menu.match, menu.buttons): menu.name for menu in known.conditional}
    renamed = tuple(
        replace(menu, name=twins.get((menu.match, menu.buttons), menu.name))
        for menu in pulled.conditional
    )
    return replace(pulled, conditional=renamed)


def which_menu(menus: MenuSet, buttons: Sequence[Button]) -> Menu | None:
    """The menu of `menus` whose buttons are exactly `buttons` (a trymatch answer)."""
    wanted = tuple(buttons)
    return next((menu for menu in menus.menus if menu.buttons == wanted), None)
