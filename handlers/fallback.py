"""The last router: whatever no feature handled gets no reply (WeChat's `success`)."""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import Inbound
from handlers.router import HandlerResult, Router

router = Router[Context]("fallback")


@router.message()
@router.event()
async def no_reply(msg: Inbound, ctx: Context) -> HandlerResult:
    return None
