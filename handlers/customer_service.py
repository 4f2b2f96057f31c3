"""Customer-service sends within WeChat's windows, queued through the outbox.

Each follower interaction opens a window (48 h / 5 messages after a message,
1 minute / 3 messages after an event). Every send here answers the interaction
that triggered it, so sends are counted per interaction: a counter keyed by the
interaction starts at zero by itself, and a message that sends nothing costs no
cache write. A send beyond the window would only come back as 45047 or 45015,
so it is recorded as skipped, with the reason, instead of being queued.
"""

from __future__ import annotations

from dataclasses import dataclass

from handlers.context import Context
from handlers.limits import (
    CS_EVENT_WINDOW_MAX,
    CS_EVENT_WINDOW_S,
    CS_KEY,
    CS_MESSAGE_WINDOW_MAX,
    CS_MESSAGE_WINDOW_S,
)
from handlers.messages import ImageReply, Inbound, Reply, ReplyValue, TextReply
from storage.jobs import JobKind


@dataclass(frozen=True)
class CustomMessage:
    """A `message/custom/send` body: to one follower, one of text, image or news."""

    touser: str
    msgtype: str
    text: dict[str, str] | None = None
    image: dict[str, str] | None = None
    news: dict[str, list[dict[str, str]]] | None = None


CUSTOM_SEND = JobKind("wechat.custom_send", CustomMessage)


def _window(msg: Inbound) -> tuple[str, float, int]:
    """The interaction's send counter key, how long its window lasts, and its limit."""
    key = f"{CS_KEY}:{msg.dedup_key}"
    if msg.is_event:
        return key, CS_EVENT_WINDOW_S, CS_EVENT_WINDOW_MAX
    return key, CS_MESSAGE_WINDOW_S, CS_MESSAGE_WINDOW_MAX


def _message(openid: str, reply: Reply) -> CustomMessage:
    if isinstance(reply, TextReply):
        return CustomMessage(openid, "text", text={"content": reply.text})
    if isinstance(reply, ImageReply):
        return CustomMessage(openid, "image", image={"media_id": reply.media_id})
    # Customer-service news carries one article.
    article = reply.articles[0]
    item = {
        "title": article.title,
        "description": article.description,
        "url": article.url,
        "picurl": article.picurl,
    }
    return CustomMessage(openid, "news", news={"articles": [item]})


async def send_later(msg: Inbound, ctx: Context, value: ReplyValue, sequence: int) -> None:
    """Queue a customer-service message to the sender, or record why it cannot be sent."""
    if value is None:
        return
    reply = TextReply(value) if isinstance(value, str) else value
    key, ttl_s, limit = _window(msg)
    within = await ctx.deps.cache.incr(key, ttl_s) <= limit
    note = None if within else f"customer-service window allows {limit} messages"
    ctx.jobs.append(
        CUSTOM_SEND.request(
            msg.account,
            _message(msg.openid, reply),
            dedup_key=f"{msg.dedup_key}:cs:{sequence}",
            status="pending" if within else "skipped",
            note=note,
        )
    )
