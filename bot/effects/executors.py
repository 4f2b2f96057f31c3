"""Outbox job kinds and the API calls that carry them out."""

from __future__ import annotations

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import configured, official_account_clients
from bot.effects.lead_jobs import lead_executors
from bot.effects.outbox_worker import Executor
from bot.effects.tagging_jobs import tagging_executors
from handlers.customer_service import CUSTOM_SEND
from storage.cache import Cache
from storage.database import SessionFactory
from tagging.step import Tagging


def build_executors(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    *,
    tagging: Tagging | None = None,
) -> dict[str, Executor]:
    """Every outbox job kind the bot runs, by name."""
    clients = official_account_clients(settings, http, cache)

    async def custom_send(target: str, payload: dict[str, object]) -> None:
        await configured(clients, target, CUSTOM_SEND).send_custom_message(payload)

    return {
        CUSTOM_SEND: custom_send,
        **lead_executors(settings, http, cache, sessions),
        **(
            tagging_executors(settings, http, cache, sessions, tagging=tagging, oa_clients=clients)
            if tagging is not None
            else {}
        ),
    }
