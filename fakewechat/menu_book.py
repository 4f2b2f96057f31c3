"""The fake's custom menus: per account, the default menu and the conditional ones.

WeChat's behaviour it keeps (api_addconditionalmenu, api_trymatchmenu, and the
personalized-menu notes of the same docs):
- conditional menus are tried newest first; the first whose rule fits wins,
  else the default menu;
- a follower with several tags is matched on the tag put on last;
- deleting the menu (`menu/delete`) deletes the conditional menus too;
- a menu made in WeChat's console (`console`) is shown by
  `get_current_selfmenu_info` but unknown to `menu/get` (46003).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

JsonDict = dict[str, Any]


@dataclass
class ConditionalMenu:
    """One `menu/addconditional`: its buttons (as sent), its rule and its id."""

    menuid: int
    buttons: list[JsonDict]
    matchrule: JsonDict


@dataclass
class AccountMenus:
    """What one official account shows."""

    default: list[JsonDict] | None = None
    default_menuid: int = 0
    conditional: list[ConditionalMenu] = field(default_factory=list)
    # A menu set in the console (selfmenu_info buttons, `sub_button: {"list": [...]}`).
    console: list[JsonDict] | None = None
    # openid → "1" iOS, "2" Android, "3" others; unknown openids fit no platform rule.
    platforms: dict[str, str] = field(default_factory=dict)

    def delete(self) -> None:
        self.default = None
        self.conditional.clear()

    def shown_to(self, tag_ids: list[int], platform: str | None) -> list[JsonDict] | None:
        """The buttons a follower with these tags (in tagging order) sees."""
        last_tag = tag_ids[-1] if tag_ids else None
        for menu in reversed(self.conditional):
            if _fits(menu.matchrule, last_tag, platform):
                return menu.buttons
        return self.default


def _fits(rule: JsonDict, last_tag: int | None, platform: str | None) -> bool:
    wanted_tag = str(rule.get("tag_id") or rule.get("group_id") or "")
    if wanted_tag and wanted_tag != str(last_tag):
        return False
    wanted_platform = str(rule.get("client_platform_type") or "")
    return not wanted_platform or wanted_platform == platform


def answer_buttons(buttons: list[JsonDict]) -> list[JsonDict]:
    """Buttons as `menu/get` and `trymatch` give them: every button has `sub_button`."""
    shown = copy.deepcopy(buttons)
    for button in shown:
        button["sub_button"] = answer_buttons(button.get("sub_button") or [])
    return shown


def selfmenu_buttons(buttons: list[JsonDict]) -> list[JsonDict]:
    """Buttons as `get_current_selfmenu_info` gives them: sub-buttons under `list`."""
    shown: list[JsonDict] = []
    for button in copy.deepcopy(buttons):
        subs = button.pop("sub_button", None)
        if subs:
            button["sub_button"] = {"list": selfmenu_buttons(subs)}
        shown.append(button)
    return shown
