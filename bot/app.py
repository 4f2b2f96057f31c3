"""The app factory: the bot's object graph, built in one visible function. No import-time effects.

`create_app` returns an aiohttp application whose lifespan (`_lifespan`)
opens the connections, builds every long-lived object from what it needs,
starts the background work this process runs, and closes it all in reverse.
Dependencies are arguments, not list order: reading `_lifespan` top to
bottom is reading the wiring.
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack
from dataclasses import dataclass, replace
from datetime import datetime

import aiohttp
from aiohttp import web

from bot.admin.site import mount_admin_site
from bot.app_keys import (
    CACHE,
    CHANNEL_KEEPER,
    CHANNELS,
    CUSTOMER_MOVER,
    EFFECTS,
    ENGINE,
    HTTP,
    JOURNEYS,
    KEYWORD_TABLES,
    LEADS,
    METRICS,
    OUTBOX_WORKER,
    POLICY,
    SERVING,
    SESSIONS,
    SETTINGS,
    TAGGING,
    WECHAT_CALLBACKS,
    WECOM_CALLBACKS,
    WELCOMES,
)
from bot.callbacks.dispatcher import Dispatcher
from bot.callbacks.late_replies import LateReplies
from bot.callbacks.official_account import OfficialAccountEndpoint, WeChatCallbacks
from bot.callbacks.wecom import WeComCallbacks, WeComEndpoint
from bot.config.settings import Settings
from bot.effects.executors import build_executors
from bot.effects.outbox_worker import OutboxWorker
from bot.effects.reconciler import build_reconciler
from bot.effects.stage import EffectsStage, EventStream
from bot.effects.wechat_events import WeChatEventEffects
from bot.effects.wecom_events import WeComEventEffects
from bot.effects.welcome_lane import WelcomeLane
from bot.health import healthz
from bot.metrics import Metrics
from bot.ops.admin_api import KeywordAdminApi
from bot.ops.channel_ops import ChannelStore
from bot.ops.demo_menus import restore_demo_menus
from bot.runtime import resources
from bot.runtime.api_tracing import token_refresh_tracer
from bot.runtime.channel_keeper import ChannelCodeKeeper
from bot.runtime.channel_references import (
    grade_references,
    journey_references,
    log_unknown_references,
)
from bot.runtime.channels import LiveChannels, live_channels
from bot.runtime.journeys import JourneyScheduler, JourneysRuntime, load_journeys
from bot.runtime.keyword_reload import live_keyword_tables
from bot.runtime.leads import LeadsRuntime, build_leads
from bot.runtime.metrics_snapshot import refresh_before_scrape
from bot.runtime.tagging import TagExpirySweeper, load_tagging
from bot.runtime.team import TeamReturns, live_team
from channels.attribution import ChannelArrivals
from channels.contact_step import ChannelContacts
from channels.tagged import ChannelTagged
from fakewechat.app import create_fake_app
from fakewechat.state import FakeWeChat
from handlers import fallback, keyword_reply, staff
from handlers.context import Context, HandlerDeps
from handlers.router import Router
from leads.policy import LeadPolicy
from storage.cache import Cache
from storage.database import SessionFactory
from storage.event_batch import EffectStep
from storage.group_commit import GroupCommitWriter
from storage.lead_models import WeComEvent
from storage.models import InboundEvent
from storage.outbox import Outbox
from storage.pending_events import PARTITIONS, STREAM_WECHAT, STREAM_WECOM
from storage.types import utc_now
from tagging.step import Tagging


@dataclass(frozen=True)
class Background:
    """Which background work this process runs besides serving HTTP."""

    effects: bool = True  # a consumer of the effects stage
    outbox: bool = True  # the outbox worker and the welcome lane (API calls)
    sweepers: bool = True  # lead timers, tag expiry, the channel code keeper
    # API calls wait until `mark_serving(app)`: `wxbot serve` marks it once it listens,
    # since the demo's API is the fake mounted in this very server.
    api_after_serving: bool = False

    @classmethod
    def nothing(cls) -> Background:
        """For tests that run each piece by hand (`app[EFFECTS].drain()`, …)."""
        return cls(effects=False, outbox=False, sweepers=False)


def build_router() -> Router[Context]:
    """The feature routers in the order they are asked; the fallback always answers."""
    root = Router[Context]("root")
    root.include(keyword_reply.router)
    root.include(fallback.router)
    return root


def effect_steps(
    tagging: Tagging,
    leads: LeadsRuntime | None,
    journeys: JourneysRuntime | None = None,
    channels: LiveChannels | None = None,
) -> list[EffectStep]:
    """What runs behind the reply for every batch of events, in order."""
    # A channel's arrivals before tagging, which mirrors their tags like any other new
    # tag; its "tagged" after it (a first behaviour tag). Both before lead qualification,
    # which then sees the arrival's tags and points.
    first: list[EffectStep] = [tagging]
    if channels is not None:
        first = [ChannelArrivals(lambda: channels.table), tagging, ChannelTagged()]
    # Lead qualification stays last: it reads the tags, points and phone the others wrote.
    steps: list[EffectStep] = first if leads is None else [*first, leads.intake]
    # Journeys come after: their exits see the lead the qualification step just made.
    return steps if journeys is None else [*steps, journeys.triggers]


def event_streams(
    tagging: Tagging,
    leads: LeadsRuntime | None,
    journeys: JourneysRuntime | None = None,
    channels: LiveChannels | None = None,
) -> list[EventStream]:
    streams = [
        EventStream(
            STREAM_WECHAT,
            PARTITIONS,
            InboundEvent,
            (InboundEvent.account, InboundEvent.openid),
            WeChatEventEffects(effect_steps(tagging, leads, journeys, channels)),
        )
    ]
    if leads is not None:
        streams.append(
            EventStream(
                STREAM_WECOM,
                1,
                WeComEvent,
                (WeComEvent.from_user,),
                WeComEventEffects(
                    leads.commands,
                    leads.contacts,
                    None if channels is None else ChannelContacts(lambda: channels.table),
                    leads.transfers,
                ),
            )
        )
    return streams


def create_app(
    settings: Settings,
    *,
    clock: Callable[[], datetime] = utc_now,
    rng: random.Random | None = None,
    background: Background | None = None,
    fake_api: FakeWeChat | None = None,
    handler_budget_s: float | None = None,
) -> web.Application:
    """The bot as an aiohttp application; tests pass a clock, a seeded rng or a fake API state."""
    app = web.Application()
    app[SETTINGS] = settings
    app[METRICS] = Metrics()
    app[SERVING] = asyncio.Event()
    lifespan = _Lifespan(
        clock,
        # Reply variants are an A/B split, not a secret: a plain PRNG is right.
        rng or random.Random(),  # noqa: S311
        background or Background(),
        handler_budget_s,
    )
    app.cleanup_ctx.append(lifespan)
    app.router.add_route("GET", "/wechat/{name}", _wechat)
    app.router.add_route("POST", "/wechat/{name}", _wechat)
    app.router.add_route("GET", "/wecom/{name}", _wecom)
    app.router.add_route("POST", "/wecom/{name}", _wecom)
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/metrics", _metrics)
    app.router.add_routes(KeywordAdminApi().routes())
    mount_admin_site(app, settings)
    if fake_api is not None:
        app.add_subapp("/_fake", create_fake_app(fake_api))
    elif settings.server.mount_fake_api:
        demo = demo_fake_state(settings)
        app.add_subapp("/_fake", create_fake_app(demo))
        # After the lifespan's startup (the database is up): the live menus back into it.
        app.on_startup.append(lambda app: restore_demo_menus(settings, app[SESSIONS], demo))
    return app


def mark_serving(app: web.Application) -> None:
    """The server listens: background API work held by `api_after_serving` may start."""
    app[SERVING].set()


@dataclass(frozen=True)
class _Lifespan:
    clock: Callable[[], datetime]
    rng: random.Random
    background: Background
    handler_budget_s: float | None

    async def __call__(self, app: web.Application) -> AsyncIterator[None]:
        async with AsyncExitStack() as stack:
            await self._build(app, stack)
            yield

    async def _build(self, app: web.Application, stack: AsyncExitStack) -> None:
        settings, metrics, clock = app[SETTINGS], app[METRICS], self.clock
        engine, sessions = await stack.enter_async_context(
            resources.database(settings.storage.database_url)
        )
        cache = await stack.enter_async_context(resources.cache(settings.storage.redis_url))
        http = await stack.enter_async_context(
            aiohttp.ClientSession(trace_configs=[token_refresh_tracer(metrics)])
        )
        tables = await stack.enter_async_context(live_keyword_tables(settings, sessions, cache))
        channels = await stack.enter_async_context(live_channels(settings, sessions, cache))
        await ChannelStore(settings, sessions, cache).start(channels.table)
        policy = await self._live_policy(settings, stack, sessions, cache)
        journeys = await load_journeys(settings, clock)
        triggers = None if journeys is None else journeys.triggers
        _warn_about_channel_names(settings, channels, journeys)
        tagging = await load_tagging(
            settings.tagging.rules,
            clock,
            on_tags_added=None if triggers is None else triggers.on_tags_added,
        )

        outbox = OutboxWorker(
            Outbox(sessions, clock),
            build_executors(
                settings,
                http,
                cache,
                sessions,
                metrics,
                tagging=tagging,
                journeys=triggers,
                channels=channels,
                clock=clock,
                policy=policy,
            ),
            metrics,
        )
        leads = (
            None
            if policy is None
            else build_leads(
                policy,
                clock=clock,
                sessions=sessions,
                cache=cache,
                on_queued=outbox.wake,
                rng=self.rng,
                observer=triggers,
            )
        )
        welcomes = WelcomeLane(settings, http, cache, sessions, channels, metrics=metrics,
                               clock=clock)  # fmt: skip
        stack.push_async_callback(welcomes.stop)
        effects = EffectsStage(
            sessions, event_streams(tagging, leads, journeys, channels), metrics, clock=clock
        )
        # Stopped in reverse: the effects stage finishes its batch before the outbox stops.
        stack.push_async_callback(outbox.stop)
        stack.push_async_callback(effects.stop)

        events = GroupCommitWriter(engine, clock)
        late = LateReplies(events)
        stack.push_async_callback(events.drain)
        stack.push_async_callback(late.drain)
        budget = {} if self.handler_budget_s is None else {"budget_s": self.handler_budget_s}
        dispatcher = Dispatcher(
            router=build_router(),
            deps=HandlerDeps(
                cache=cache, matcher_for=tables.matcher_for, clock=clock, rng=self.rng
            ),
            events=events,
            late_replies=late,
            metrics=metrics,
            on_stored=effects.wake,
            **budget,
        )
        wechat = WeChatCallbacks(
            {account.name: OfficialAccountEndpoint.of(account) for account in settings.wechat},
            dispatcher,
            metrics,
            cache=cache,
            clock=lambda: clock().timestamp(),
        )
        wecom = WeComCallbacks(
            {app_.name: WeComEndpoint.of(app_) for app_ in settings.wecom},
            router=staff.router,
            commands=None if leads is None else leads.commands,
            sessions=sessions,
            cache=cache,
            metrics=metrics,
            on_stored=effects.wake,
            clock=lambda: clock().timestamp(),
            deadline_work=welcomes,
            **budget,
        )

        app[ENGINE], app[SESSIONS], app[CACHE], app[HTTP] = engine, sessions, cache, http
        app[KEYWORD_TABLES], app[TAGGING], app[OUTBOX_WORKER] = tables, tagging, outbox
        app[EFFECTS], app[WECHAT_CALLBACKS], app[WECOM_CALLBACKS] = effects, wechat, wecom
        app[CHANNELS], app[WELCOMES] = channels, welcomes
        if leads is not None and policy is not None:
            app[LEADS], app[POLICY] = leads, policy
            # A hand-over on the site queues its customers' WeCom transfers with it.
            app[CUSTOMER_MOVER] = leads.moves
        scheduler = None
        if journeys is not None:
            scheduler = journeys.scheduler_for(sessions, outbox.wake)
            app[JOURNEYS] = journeys
        keeper = ChannelCodeKeeper(sessions, lambda: channels.table, clock=clock,
                                   on_queued=outbox.wake)  # fmt: skip
        channels.on_swap(keeper.wake)
        app[CHANNEL_KEEPER] = keeper
        await self._start(
            stack,
            sessions=sessions,
            tagging=tagging,
            leads=leads,
            returns=None
            if policy is None
            else TeamReturns(sessions, cache, clock=clock, on_queued=outbox.wake),
            effects=effects,
            scheduler=scheduler,
            keeper=keeper,
            on_queued=outbox.wake,
        )
        if self.background.outbox:
            # The deadline lane makes API calls, like the outbox.
            self._start_api_work(app, stack, [outbox.start, welcomes.start])
        reconciler = (
            None
            if policy is None
            else build_reconciler(settings, http, cache, sessions, clock, team=policy.team)
        )
        if self.background.sweepers and reconciler is not None:
            # Daily, and one process a day: it lists the team's customers in WeCom.
            self._start_api_work(app, stack, [reconciler.start])
            stack.push_async_callback(reconciler.stop)

    async def _live_policy(
        self, settings: Settings, stack: AsyncExitStack, sessions: SessionFactory, cache: Cache
    ) -> LeadPolicy | None:
        """The lead rules with the team from its table (seeded by `[[leads.sales]]` once),
        kept current in this process; None without `[leads]`."""
        if settings.leads is None:
            return None
        team, _ = await stack.enter_async_context(
            live_team(settings.leads.sales, sessions, cache, self.clock())
        )
        return replace(settings.leads, team=team)

    def _start_api_work(
        self, app: web.Application, stack: AsyncExitStack, starts: list[Callable[[], None]]
    ) -> None:
        """Start what makes API calls now, or once the server listens (`api_after_serving`)."""
        if not self.background.api_after_serving:
            for start in starts:
                start()
            return

        async def when_serving() -> None:
            await app[SERVING].wait()
            for start in starts:
                start()

        waiting = asyncio.create_task(when_serving(), name="api-work-after-serving")

        async def cancel() -> None:
            waiting.cancel()
            await asyncio.gather(waiting, return_exceptions=True)

        stack.push_async_callback(cancel)

    async def _start(
        self,
        stack: AsyncExitStack,
        *,
        sessions: SessionFactory,
        tagging: Tagging,
        leads: LeadsRuntime | None,
        returns: TeamReturns | None,
        effects: EffectsStage,
        scheduler: JourneyScheduler | None,
        keeper: ChannelCodeKeeper,
        on_queued: Callable[[], None],
    ) -> None:
        if self.background.effects:
            effects.start()
        if self.background.sweepers:
            expiry = TagExpirySweeper(sessions, tagging, on_queued)
            expiry.start()
            stack.push_async_callback(expiry.stop)
            keeper.start()
            stack.push_async_callback(keeper.stop)
            if leads is not None:
                leads.sweeper.start()
                stack.push_async_callback(leads.sweeper.stop)
            if returns is not None:
                returns.start()
                stack.push_async_callback(returns.stop)
            if scheduler is not None:
                scheduler.start()
                stack.push_async_callback(scheduler.stop)


def _warn_about_channel_names(
    settings: Settings, channels: LiveChannels, journeys: JourneysRuntime | None
) -> None:
    """Log the channels and groups that grades and journeys name and the live table lacks,
    now and whenever another table goes live (the conditions run all the same)."""
    references = grade_references(settings)
    if journeys is not None and settings.journeys.file is not None:
        references += journey_references(journeys.catalog, settings.journeys.file.name)
    if not references:
        return
    log_unknown_references(channels.table, references)
    channels.on_swap(lambda: log_unknown_references(channels.table, references))


async def _metrics(request: web.Request) -> web.Response:
    await refresh_before_scrape(request.app[METRICS], request.app[SESSIONS])
    return web.Response(body=request.app[METRICS].render(), content_type="text/plain")


async def _wechat(request: web.Request) -> web.StreamResponse:
    return await request.app[WECHAT_CALLBACKS].handle(request)


async def _wecom(request: web.Request) -> web.StreamResponse:
    return await request.app[WECOM_CALLBACKS].handle(request)


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
