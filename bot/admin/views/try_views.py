""" "Try a message": which rule answers a text, click, QR scene or follow at a time of
day, why, what it beat, and the reply as the follower sees it, live or in a draft."""

from __future__ import annotations

import asyncio
from datetime import datetime, time

import aiohttp_jinja2
from aiohttp import web

from bot.admin.guard import reader
from bot.admin.keys import SITE
from bot.admin.keyword_grid import parse_grid, rows_from_form
from bot.admin.reader import Reader
from bot.admin.views.keyword_views import store_of
from bot.app_keys import KEYWORD_TABLES, SETTINGS
from bot.ops.keyword_ops import BAD_REQUEST, INVALID, KeywordOpsError
from filecheck.wording import N_
from keywords.cells import parse_articles
from keywords.explain import Explanation
from keywords.hours import format_hours, shanghai
from keywords.matcher import Signal
from keywords.rules import ReplyType, Trigger
from storage.types import utc_now

routes = web.RouteTableDef()
_KINDS = {"text": Trigger.TEXT, "click": Trigger.CLICK,
          "subscribe": Trigger.SUBSCRIBE, "scan": Trigger.SCAN}  # fmt: skip


def _moment(at: str) -> datetime | None:
    """Today at `at` (HH:MM) in Shanghai, where keyword `hours` windows are; blank: now;
    None: not a time of day."""
    if not at.strip():
        return utc_now()
    try:
        clock = time.fromisoformat(at.strip())
    except ValueError:
        return None
    return datetime.combine(datetime.now(shanghai()).date(), clock, tzinfo=shanghai())


def bubbles(explanation: Explanation) -> list[dict[str, object]]:
    """Each message the follower would get: text as text, news as article cards, an
    image as its media id (the site cannot fetch WeChat's media)."""
    winner = explanation.winner
    kind = winner.rule.reply_type if winner else ReplyType.TEXT
    shown: list[dict[str, object]] = []
    for reply in explanation.replies:
        if kind is ReplyType.NEWS:
            shown.append({"kind": "news", "articles": parse_articles(reply)})
        else:
            shown.append({"kind": kind.value, "text": reply})
    return shown


def _error_text(error: KeywordOpsError, words: Reader) -> str:
    """The trial's refusals in the reader's words."""
    if error.status == INVALID:
        return words.gettext(N_("The table being edited has errors: check it first"))
    if error.status == BAD_REQUEST:
        return words.gettext(N_("Try the shared rules through an account"))
    return words.gettext(N_("There is no such account"))


@routes.get("/try")
async def try_page(request: web.Request) -> web.StreamResponse:
    accounts = [account.name for account in request.config_dict[SETTINGS].wechat]
    return aiohttp_jinja2.render_template(
        "try.html", request, {"accounts": accounts, "account": accounts[0]}
    )


@routes.post("/try/run")
async def run_try(request: web.Request) -> web.StreamResponse:
    """A read-only check, so viewers may run it too (it still needs the CSRF token)."""
    form = await request.post()
    fields = {key: value for key, value in form.items() if isinstance(value, str)}
    trigger = _KINDS.get(fields.get("kind", "text"), Trigger.TEXT)
    context: dict[str, object] = {"error": "", "explanation": None, "bubbles": []}
    at = fields.get("at", "")
    moment = _moment(at)
    if moment is None:
        context["error"] = reader(request).gettext(N_("%(value)s is not a time of day (HH:MM)")) % {
            "value": at
        }
        return aiohttp_jinja2.render_template("try_result.html", request, context)
    try:
        draft = None
        if fields.get("use_draft") and fields.get("rows", "").isdigit():
            rows = rows_from_form(fields, int(fields["rows"]))
            draft, _ = await asyncio.to_thread(parse_grid, rows)
        explanation = await request.config_dict[SITE].trial.explain(
            store_of(request),
            request.config_dict[KEYWORD_TABLES],
            fields.get("account", ""),
            Signal(trigger, fields.get("value", "")),
            moment,
            draft=draft,
        )
        context.update(explanation=explanation, bubbles=bubbles(explanation), hours=format_hours)
    except KeywordOpsError as error:
        context["error"] = _error_text(error, reader(request))
    return aiohttp_jinja2.render_template("try_result.html", request, context)
