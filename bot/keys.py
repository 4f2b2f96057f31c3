"""The typed application keys: every resource an app holds, in one place."""

from __future__ import annotations

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callback import WeChatCallbacks
from bot.keyword_tables import KeywordTables
from bot.lead_runtime import LeadsRuntime
from bot.metrics import Metrics
from bot.outbox_worker import OutboxWorker
from bot.settings import Settings
from bot.wecom_callback import WeComCallbacks
from storage.cache import Cache
from storage.database import SessionFactory
from tagging.step import Tagging

SETTINGS = web.AppKey("settings", Settings)
METRICS = web.AppKey("metrics", Metrics)
ENGINE = web.AppKey("engine", AsyncEngine)
SESSIONS = web.AppKey("sessions", SessionFactory)
CACHE = web.AppKey("cache", Cache)
HTTP = web.AppKey("http", aiohttp.ClientSession)
KEYWORD_TABLES = web.AppKey("keyword_tables", KeywordTables)
OUTBOX_WORKER = web.AppKey("outbox_worker", OutboxWorker)
WECHAT_CALLBACKS = web.AppKey("wechat_callbacks", WeChatCallbacks)
TAGGING = web.AppKey("tagging", Tagging)
WECOM_CALLBACKS = web.AppKey("wecom_callbacks", WeComCallbacks)
LEADS = web.AppKey("leads", LeadsRuntime)
