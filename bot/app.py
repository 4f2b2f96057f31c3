"""The app factory: wires settings into resources, routes and workers. No import-time effects."""

from __future__ import annotations

import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import datetime

from aiohttp import web

from bot.app_keys import (
    CACHE,
    HTTP,
    JOURNEYS,
    KEYWORD_TABLES,
    METRICS,
    OUTBOX_WORKER,
    SESSIONS,
    SETTINGS,
    TAGGING,
    WECHAT_CALLBACKS,
)
from bot.callbacks.dispatcher import Dispatcher
from bot.callbacks.late_replies import LateReplies
from bot.callbacks.official_account import OfficialAccountEndpoint, WeChatCallbacks
from bot.config.settings import Settings
from bot.effects.executors import build_executors
from bot.effects.outbox_worker import OutboxWorker
from bot.health import healthz
from bot.metrics import Metrics
from bot.ops.admin_api import KeywordAdminApi
from bot.runtime.journey_wiring import journey_steps, journeys_ctx, scheduler_ctx
from bot.runtime.keyword_reload import keyword_tables_ctx
from bot.runtime.lead_wiring import lead_steps, leads_ctx, wecom_ctx, wecom_route
from bot.runtime.resources import cache_ctx, database_ctx, http_ctx
from bot.runtime.tagging import tag_expiry_ctx, tagging_ctx
from fakewechat.app import create_fake_app
from fakewechat.state import FakeWeChat
from handlers import fallback, keyword_reply
from handlers.context import HandlerDeps
from handlers.router import Router
from storage.evaluation import EvaluationStep
from storage.group_commit import GroupCommitWriter
from storage.outbox import Outbox
from storage.types import utc_now

log = logging.getLogger(__name__)


def build_router() -> Router:
    """The feature routers in the order they are asked; the fallback always answers."""
    root = Router("root")
    root.include(keyword_reply.router)
    root.include(fallback.router)
    return root


def evaluation_steps(app: web.Application) -> list[EvaluationStep]:
    """What runs behind the reply for every accepted event, in order."""
    # Lead qualification stays last: it reads the tags, points and phone the others wrote.
    # Journeys come after: their exits see the lead the qualification step just made.
    return [app[TAGGING], *lead_steps(app), *journey_steps(app)]


def _outbox_worker_ctx(run_worker: bool) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        executors = build_executors(
            app[SETTINGS],
            app[HTTP],
            app[CACHE],
            app[SESSIONS],
            evaluation_steps(app),
            tagging=app[TAGGING],
            journeys=journeys.triggers if (journeys := app.get(JOURNEYS)) else None,
        )
        worker = OutboxWorker(Outbox(app[SESSIONS]), executors, app[METRICS])
        app[OUTBOX_WORKER] = worker
        if run_worker:
            worker.start()
        try:
            yield
        finally:
            await worker.stop()

    return ctx


def _callbacks_ctx(
    clock: Callable[[], datetime], rng: random.Random
) -> Callable[[web.Application], AsyncIterator[None]]:
    async def ctx(app: web.Application) -> AsyncIterator[None]:
        settings = app[SETTINGS]
        deps = HandlerDeps(
            cache=app[CACHE],
            matcher_for=app[KEYWORD_TABLES].matcher_for,
            clock=clock,
            rng=rng,
        )
        late = LateReplies(app[SESSIONS])
        events = GroupCommitWriter(app[SESSIONS])
        dispatcher = Dispatcher(
            router=build_router(),
            deps=deps,
            events=events,
            late_replies=late,
            metrics=app[METRICS],
            on_stored=app[OUTBOX_WORKER].wake,
        )
        endpoints = {
            account.name: OfficialAccountEndpoint.of(account) for account in settings.wechat
        }
        app[WECHAT_CALLBACKS] = WeChatCallbacks(
            endpoints, dispatcher, app[METRICS], clock=lambda: clock().timestamp()
        )
        try:
            yield
        finally:
            await events.drain()
            await late.drain()

    return ctx


async def _metrics(request: web.Request) -> web.Response:
    return web.Response(body=request.app[METRICS].render(), content_type="text/plain")


async def _wechat(request: web.Request) -> web.StreamResponse:
    return await request.app[WECHAT_CALLBACKS].handle(request)


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    rng: random.Random | None = None,
    run_outbox_worker: bool = True,
    fake_api: FakeWeChat | None = None,
) -> web.Application:
    """The bot as an aiohttp application; tests pass a clock, a seeded rng or a fake API state."""
    app = web.Application()
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app.cleanup_ctx.extend(
        [
            database_ctx,
            cache_ctx,
            http_ctx,
            keyword_tables_ctx,
            journeys_ctx(clock),
            tagging_ctx(clock),
            leads_ctx(clock),
            _outbox_worker_ctx(run_outbox_worker),
            scheduler_ctx(run=run_outbox_worker),
            tag_expiry_ctx(run_outbox_worker),
            # Reply variants are an A/B split, not a secret: a plain PRNG is right.
            _callbacks_ctx(clock, rng or random.Random()),  # noqa: S311
            wecom_ctx(clock, run_sweeper=run_outbox_worker),
        ]
    )
    app.router.add_route("GET", "/wechat/{name}", _wechat)
    app.router.add_route("POST", "/wechat/{name}", _wechat)
    app.router.add_route("GET", "/wecom/{name}", wecom_route)
    app.router.add_route("POST", "/wecom/{name}", wecom_route)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_routes(KeywordAdminApi().routes())
    if settings.server.mount_fake_api or fake_api is not None:
        app.add_subapp("/_fake", create_fake_app(fake_api or demo_fake_state(settings)))
    return app


def demo_fake_state(settings: Settings) -> FakeWeChat:
    """A fake API that knows the configured accounts, for the demo and the simulator."""
    state = FakeWeChat(auto_followers=True)
    for account in settings.wechat:
        state.add_account(account.app_id, account.app_secret.reveal())
    sales = settings.leads.sales if settings.leads else ()
    members = {rep.userid for rep in sales} | {rep.manager for rep in sales if rep.manager}
    for wecom in settings.wecom:
        state.add_corp(wecom.corp_id, {wecom.agent_id: wecom.secret.reveal()}, members=members)
    return state
