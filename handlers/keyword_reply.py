"""Replies from the account's keyword table: text, menu clicks, follows and QR scans."""

from __future__ import annotations

import json

from handlers.context import Context
from handlers.customer_service import send_later
from handlers.limits import DEFAULT_REPLY_INTERVAL_S, DEFAULT_REPLY_KEY
from handlers.messages import ImageReply, Inbound, NewsReply, ReplyValue
from handlers.router import UNHANDLED, HandlerResult, Router
from keywords.matcher import Signal
from keywords.rules import Article, ReplyMode, ReplyType, Rule, Trigger
from storage.records import MENU_EVENTS, PointGrant, TagGrant

router = Router[Context]("keyword_reply")


# WeChat's speech recognition ends a sentence with punctuation ("价格多少？。"), which
# a typed message would not have: strip it so an `exact` rule matches the words.
_SPOKEN_PUNCTUATION = "。！？，!?., "


@router.message("text")
async def on_text(msg: Inbound, ctx: Context) -> HandlerResult:
    return await reply_from_table(msg, ctx, Signal(Trigger.TEXT, msg.content or ""))


@router.message("voice")
async def on_voice(msg: Inbound, ctx: Context) -> HandlerResult:
    """A voice message with `<Recognition>` answers like the same words typed.

    Without recognition (off in the console, or nothing understood) it is text that
    matches nothing: the table's `default` rule answers, as for any unknown text.
    """
    spoken = (msg.content or "").rstrip(_SPOKEN_PUNCTUATION)
    return await reply_from_table(msg, ctx, Signal(Trigger.TEXT, spoken))


@router.event(*MENU_EVENTS)
async def on_menu(msg: Inbound, ctx: Context) -> HandlerResult:
    """A tap on any menu button is a click: its EventKey is the button's key (or the URL
    of a `view` button, the page path of a mini-program one)."""
    return await reply_from_table(msg, ctx, Signal(Trigger.CLICK, msg.event_key or ""))


@router.event("subscribe")
async def on_subscribe(msg: Inbound, ctx: Context) -> HandlerResult:
    ctx.subscribed = True
    if msg.event_key:
        # The QR scene a follower came through is the channel (qrscene_spring_expo → spring_expo).
        ctx.channel = msg.event_key
    return await reply_from_table(msg, ctx, Signal(Trigger.SUBSCRIBE, msg.event_key or ""))


@router.event("scan")
async def on_scan(msg: Inbound, ctx: Context) -> HandlerResult:
    if msg.event_key:
        ctx.channel = msg.event_key
    return await reply_from_table(msg, ctx, Signal(Trigger.SCAN, msg.event_key or ""))


@router.event("unsubscribe")
async def on_unsubscribe(msg: Inbound, ctx: Context) -> HandlerResult:
    ctx.subscribed = False
    return None


async def reply_from_table(msg: Inbound, ctx: Context, signal: Signal) -> HandlerResult:
    """Match the signal, record the rule's tags and points, and choose the reply."""
    match = ctx.deps.matcher_for(msg.account).match(signal, ctx.deps.clock())
    if match is None:
        return UNHANDLED
    rule = match.rule
    ctx.rule = rule.name
    source = f"keyword:{rule.name}"
    ctx.tags.extend(TagGrant(tag=tag, source=source) for tag in rule.tags)
    if rule.score:
        ctx.points.append(PointGrant(points=rule.score, reason=source))
    if rule.trigger is Trigger.DEFAULT and not await _default_reply_due(msg, ctx):
        return None
    return await _reply(msg, ctx, rule)


async def _default_reply_due(msg: Inbound, ctx: Context) -> bool:
    key = f"{DEFAULT_REPLY_KEY}:{msg.account}:{msg.openid}"
    return await ctx.deps.cache.set_if_absent(key, "1", DEFAULT_REPLY_INTERVAL_S)


async def _reply(msg: Inbound, ctx: Context, rule: Rule) -> ReplyValue:
    if rule.reply_type is ReplyType.NONE or not rule.replies:
        return None
    if rule.reply_type is ReplyType.IMAGE:
        return ImageReply(rule.replies[0])
    if rule.reply_type is ReplyType.NEWS:
        return NewsReply(tuple(Article(**item) for item in json.loads(rule.replies[0])))
    if rule.reply_mode is ReplyMode.ALL:
        for sequence, text in enumerate(rule.replies[1:], start=1):
            await send_later(msg, ctx, text, sequence)
        return rule.replies[0]
    ctx.variant = ctx.deps.rng.randrange(len(rule.replies))
    return rule.replies[ctx.variant]
