"""What each published menu version changed, for the history page, in any language.

A version stores its summary as the CLI's English line; the page compares each stored
menu with the version before it (`menus.diff`) and says the change in the reader's
language. Menus are small (a few dozen buttons), so no cache is needed.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from itertools import pairwise

from bot.ops.menu_ops import MENU_KIND, MenuStore
from menus.diff import MenuDiff, diff_menus
from menus.menu_file import parse_menu_text
from menus.model import MenuSet
from storage.tables import versions


async def _menus(store: MenuStore, number: int) -> MenuSet | None:
    stored = await versions.get_version(store.sessions, MENU_KIND, number)
    if stored is None:
        return None
    parsed = await asyncio.to_thread(parse_menu_text, stored.body, f"version {number}")
    return parsed.menus


async def version_diffs(
    store: MenuStore, listed: Sequence[versions.Version]
) -> dict[int, MenuDiff | None]:
    """Version number → what it changed against the version before it (`listed` is one
    account's history, newest first); None for the first one listed."""
    bodies = {version.number: await _menus(store, version.number) for version in listed}
    found: dict[int, MenuDiff | None] = {version.number: None for version in listed}
    for newer, older in pairwise(listed):
        new, old = bodies[newer.number], bodies[older.number]
        if new is not None and old is not None:
            found[newer.number] = diff_menus(old, new)
    return found
