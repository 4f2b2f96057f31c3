"""`wxbot simulate --menu [BUTTON]`: the menu a follower sees, and a tap on one of its buttons.

The menu is asked of WeChat (the demo's fake) with `menu/trymatch`, so the simulated
follower sees what a real one would: the default menu, or the conditional one their
tags earn. A tap sends the event that button's type sends, as WeChat would.
"""

from __future__ import annotations

import logging
import sys

import aiohttp

from bot.cli.errors import UsageError
from bot.config.settings import WeChatAccount
from bot.ops.menu_text import buttons_text
from bot.testing.wechat_player import WeChatPlayer
from menus.model import Button, ButtonType
from menus.wechat_json import buttons_from_json
from storage.cache import MemoryCache
from wxapi.credentials import OfficialAccountCredentials
from wxapi.errors import ApiError
from wxapi.menus import NO_MENU, MenuApi
from wxapi.official_account import OfficialAccountClient


async def menu_tap(
    player: WeChatPlayer, account: WeChatAccount, openid: str, wanted: str
) -> str | None:
    """The callback XML of a tap on button `wanted`; with `wanted` "", the menu is listed and
    there is nothing to send (nor for a button WeChat answers itself)."""
    # The answer is the menu or the reply, not the client's notes on tokens and refusals.
    logging.getLogger("wxapi").setLevel(logging.ERROR)
    buttons = await menu_of(account, openid)
    if not wanted:
        write_menu(openid, buttons)
        return None
    button = find_button(buttons, wanted)
    event = button.kind.event if button.kind is not None else None
    if event is None:
        sys.stdout.write(f"(WeChat answers {button.name} itself: no callback reaches wxbot)\n")
        return None
    if button.kind in (ButtonType.VIEW, ButtonType.MINIPROGRAM):
        sys.stdout.write(f"(WeChat opens {button.signal_key})\n")
    return player.menu_tap(openid, event, button.signal_key)


async def menu_of(account: WeChatAccount, openid: str) -> tuple[Button, ...]:
    """The buttons WeChat shows `openid`; a missing menu is the user's to publish."""
    credentials = OfficialAccountCredentials(account.app_id, account.app_secret.reveal())
    async with aiohttp.ClientSession() as http:
        client = OfficialAccountClient(http, MemoryCache(), credentials, api_base=account.api_base)
        try:
            return buttons_from_json(await MenuApi(client).try_match(openid))
        except ApiError as exc:
            if exc.errcode == NO_MENU:
                raise UsageError(
                    f"{account.name} shows no menu: publish one with `wxbot menus publish FILE`"
                ) from None
            raise UsageError(f"WeChat at {account.api_base}: {exc}") from None


def write_menu(openid: str, buttons: tuple[Button, ...]) -> None:
    lines = [f"{openid} sees:", *(f"  {line}" for line in buttons_text(buttons))]
    lines.append('tap a button: wxbot simulate --menu NAME (or "GROUP/NAME")')
    sys.stdout.write("".join(f"{line}\n" for line in lines))


def find_button(buttons: tuple[Button, ...], wanted: str) -> Button:
    """The button named `wanted` ("预约试驾", or "服务/预约试驾" when a name repeats)."""
    paths = {button.name: button for button in buttons if not button.sub_buttons}
    for parent in (button for button in buttons if button.sub_buttons):
        for sub in parent.sub_buttons:
            paths[f"{parent.name}/{sub.name}"] = sub
            paths.setdefault(sub.name, sub)
    found = paths.get(wanted.strip())
    if found is not None:
        return found
    group = next((b for b in buttons if b.name == wanted and b.sub_buttons), None)
    if group is not None:
        names = ", ".join(sub.name for sub in group.sub_buttons)
        raise UsageError(f"{wanted} opens sub-buttons; tap one of them: {names}")
    known = ", ".join(name for name in paths if "/" not in name)
    raise UsageError(f"no button {wanted!r} in this menu (buttons: {known})")
