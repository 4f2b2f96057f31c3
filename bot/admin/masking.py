"""Phone numbers as a role may see them: whole for ops and managers, masked for viewers
(138****5678: enough to tell two people apart, not enough to call them)."""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from bot.admin.guard import viewer
from bot.admin.roles import Permission, may
from tagging.contacts import mask_phones  # the one masking the logs and reports use too


def mask_for(request: web.Request) -> Callable[[str], str]:
    if may(viewer(request).role, Permission.SEE_PHONES):
        return lambda text: text
    return mask_phones
