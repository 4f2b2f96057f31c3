"""Phone numbers as a role may see them: whole for ops and managers, masked for viewers."""

from __future__ import annotations

import re
from collections.abc import Callable

from aiohttp import web

from bot.admin.guard import viewer
from bot.admin.roles import Permission, may

_MOBILE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def mask_phones(text: str) -> str:
    """138****5678: enough to tell two people apart, not enough to call them."""
    return _MOBILE.sub(lambda m: f"{m.group(1)}****{m.group(3)}", text)


def mask_for(request: web.Request) -> Callable[[str], str]:
    if may(viewer(request).role, Permission.SEE_PHONES):
        return lambda text: text
    return mask_phones
