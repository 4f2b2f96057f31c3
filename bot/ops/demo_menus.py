"""The demo's fake WeChat forgets everything at a restart; WeChat would not forget the menu.

So when the demo starts, each account's live menu version is put back into the fake
(with the tags its conditional menus match on), and `wxbot simulate --menu` shows
what `wxbot menus show` says is live. Followers' tags come back as the tag sync
runs again; a real account needs none of this.
"""

from __future__ import annotations

from bot.config.settings import Settings
from bot.ops.menu_ops import MENU_KIND
from fakewechat.menu_book import ConditionalMenu
from fakewechat.state import FakeWeChat
from menus.menu_file import parse_menu_text
from menus.wechat_json import buttons_json, match_json
from storage.database import SessionFactory
from storage.tables import versions


async def restore_demo_menus(
    settings: Settings, sessions: SessionFactory, fake: FakeWeChat
) -> None:
    """Put every account's live menu back into the demo's fake API."""
    for account in settings.wechat:
        stored = await versions.live_version(sessions, MENU_KIND, account.name)
        fake_account = fake.accounts.get(account.app_id)
        if stored is None or fake_account is None:
            continue
        menus = parse_menu_text(stored.body, f"version {stored.version.number}").menus
        if menus.default is None:
            continue
        shown = fake.menus_of(account.app_id)
        shown.default = buttons_json(menus.default.buttons)
        tag_ids: dict[str, int] = {}
        for menu in reversed(menus.conditional):
            if menu.match is None:
                continue
            if menu.match.tag:
                tag_ids[menu.match.tag] = _tag_id(fake, account.app_id, menu.match.tag)
            rule = match_json(menu.match, tag_ids)
            shown.conditional.append(
                ConditionalMenu(fake.next_id(), buttons_json(menu.buttons), rule)
            )


def _tag_id(fake: FakeWeChat, appid: str, name: str) -> int:
    account = fake.accounts[appid]
    for tag_id, known in account.tags.items():
        if known == name:
            return tag_id
    tag_id = account.next_tag_id
    account.next_tag_id += 1
    account.tags[tag_id] = name
    return tag_id
