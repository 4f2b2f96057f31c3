"""Outbox job kinds and the API calls that carry them out."""

from __future__ import annotations

from collections.abc import Sequence

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import configured, official_account_clients
from bot.effects.journey_jobs import journey_executors
from bot.effects.lead_jobs import lead_executors
from bot.effects.outbox_worker import Executor
from bot.effects.tagging_jobs import tagging_executors
from handlers.customer_service import CUSTOM_SEND
from journeys.triggers import JourneyTriggers
from storage.cache import Cache
from storage.database import SessionFactory
from storage.evaluation import PROFILE_EVALUATE, EvaluationStep, evaluate_event
from tagging.step import Tagging


def build_executors(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    steps: Sequence[EvaluationStep],
    *,
    tagging: Tagging | None = None,
    journeys: JourneyTriggers | None = None,
) -> dict[str, Executor]:
    """Every outbox job kind the bot runs, by name."""
    clients = official_account_clients(settings, http, cache)

    async def evaluate(target: str, payload: dict[str, object]) -> None:
        await evaluate_event(sessions, steps, str(payload["dedup_key"]))

    async def custom_send(target: str, payload: dict[str, object]) -> None:
        await configured(clients, target, CUSTOM_SEND).send_custom_message(payload)

    return {
        CUSTOM_SEND: custom_send,
        PROFILE_EVALUATE: evaluate,
        **lead_executors(
            settings, http, cache, sessions, journeys.on_contact_added if journeys else None
        ),
        **journey_executors(settings, http, cache, sessions),
        **(
            tagging_executors(settings, http, cache, sessions, tagging=tagging, oa_clients=clients)
            if tagging is not None
            else {}
        ),
    }
