"""Outbox job kinds and the API calls that carry them out."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import configured, official_account_clients, wecom_clients
from bot.effects.channel_jobs import ChannelCodes
from bot.effects.jobs import Executor, JobHandler, registry
from bot.effects.journey_jobs import journey_jobs
from bot.effects.lead_jobs import lead_jobs
from bot.effects.tagging_jobs import tagging_jobs
from bot.effects.transfer_jobs import TransferJobs
from bot.metrics import Metrics
from bot.runtime.channels import LiveChannels
from channels.contact_step import ChannelContacts
from handlers.customer_service import CUSTOM_SEND, CustomMessage
from journeys.triggers import JourneyTriggers
from leads.policy import LeadPolicy
from leads.transfer_outcomes import TransferOutcomes
from storage.cache import Cache
from storage.database import SessionFactory
from storage.jobs import encode
from storage.types import utc_now
from tagging.step import Tagging


def build_executors(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    metrics: Metrics,
    *,
    tagging: Tagging | None = None,
    journeys: JourneyTriggers | None = None,
    channels: LiveChannels | None = None,
    clock: Callable[[], datetime] = utc_now,
    policy: LeadPolicy | None = None,
) -> dict[str, Executor]:
    """Every outbox job kind the bot runs, by name."""
    clients = official_account_clients(settings, http, cache)
    arrivals = None if channels is None else ChannelContacts(lambda: channels.table).arrived

    async def custom_send(target: str, message: CustomMessage) -> None:
        await configured(clients, target, CUSTOM_SEND.name).send_custom_message(encode(message))

    return registry(
        [
            JobHandler(CUSTOM_SEND, custom_send),
            *lead_jobs(
                settings,
                http,
                cache,
                sessions,
                journeys.on_contact_added if journeys else None,
                on_arrival=arrivals,
                policy=policy,
            ),
            *journey_jobs(settings, http, cache, metrics),
            *_transfer_jobs(settings, http, cache, sessions, clock=clock, policy=policy),
            *(
                ChannelCodes(settings, http, cache, sessions, channels, clock=clock).handlers()
                if channels is not None
                else []
            ),
            *(
                tagging_jobs(settings, http, cache, sessions, tagging=tagging, oa_clients=clients)
                if tagging is not None
                else []
            ),
        ]
    )


def _transfer_jobs(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    *,
    clock: Callable[[], datetime],
    policy: LeadPolicy | None,
) -> list[JobHandler[Any]]:
    """The customer transfers' job kinds; none without leads and a WeCom app.

    `policy` carries the live team (its managers get the failure notices); the
    config's seed when the caller has none."""
    policy = policy or settings.leads
    if policy is None or not settings.wecom:
        return []
    manager_of = policy.team.manager_of
    return TransferJobs(
        wecom_clients(settings, http, cache),
        sessions,
        lambda app: TransferOutcomes(app, manager_of, clock),
        clock,
    ).handlers()
