"""Handlers of WeCom app callbacks: staff commands answer at once, the rest is applied later.

A staff command's answer is its result (`认领 12` → "已认领"), so it runs in
the callback's transaction and its answer is the passive reply. Card clicks
and contact changes only need to be stored: the effects stage applies them.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.messages import Inbound
from handlers.router import HandlerResult, Router
from leads.staff_chat import TEXT_ONLY, StaffCommandRunner

NOT_ENABLED = "线索功能未启用（配置中没有 [leads]）"
# Events whose work the effects stage does (`bot.effects.wecom_events`).
APPLIED_LATER = frozenset({"template_card_event", "change_external_contact"})


@dataclass
class StaffContext:
    """Per-callback state of a WeCom callback: the transaction its event is stored in."""

    session: AsyncSession
    commands: StaffCommandRunner | None
    apply_later: bool = False


router = Router[StaffContext]("staff")


@router.message("text")
async def on_command(msg: Inbound, ctx: StaffContext) -> HandlerResult:
    if ctx.commands is None:
        return NOT_ENABLED
    return await ctx.commands.on_text(ctx.session, msg.openid, msg.content or "")


@router.message()
async def on_other_message(msg: Inbound, ctx: StaffContext) -> HandlerResult:
    return TEXT_ONLY


@router.event(*APPLIED_LATER)
async def on_applied_later(msg: Inbound, ctx: StaffContext) -> HandlerResult:
    ctx.apply_later = ctx.commands is not None
    return None


@router.event()
async def on_other_event(msg: Inbound, ctx: StaffContext) -> HandlerResult:
    return None
