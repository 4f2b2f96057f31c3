"""The typed application keys: every object a running app exposes, in one place.

The app's lifespan (`bot.app`) builds them in one visible function and sets
them once; routes read them, and so may tests and benchmarks.
"""

from __future__ import annotations

import asyncio

import aiohttp
from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncEngine

from bot.callbacks.official_account import WeChatCallbacks
from bot.callbacks.wecom import WeComCallbacks
from bot.config.settings import Settings
from bot.effects.outbox_worker import OutboxWorker
from bot.effects.stage import EffectsStage
from bot.effects.welcome_lane import WelcomeLane
from bot.metrics import Metrics
from bot.runtime.channel_keeper import ChannelCodeKeeper
from bot.runtime.channels import LiveChannels
from bot.runtime.journeys import JourneysRuntime
from bot.runtime.keyword_tables import KeywordTables
from bot.runtime.leads import LeadsRuntime
from leads.handover import CustomerMover
from leads.policy import LeadPolicy
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
EFFECTS = web.AppKey("effects", EffectsStage)
WECHAT_CALLBACKS = web.AppKey("wechat_callbacks", WeChatCallbacks)
TAGGING = web.AppKey("tagging", Tagging)
WECOM_CALLBACKS = web.AppKey("wecom_callbacks", WeComCallbacks)
LEADS = web.AppKey("leads", LeadsRuntime)
# The lead rules with the live team (`bot.runtime.team`); set with LEADS.
POLICY = web.AppKey("policy", LeadPolicy)
# What moves WeCom customers with handed-over leads (`leads.handover.CustomerMover`).
CUSTOMER_MOVER = web.AppKey("customer_mover", CustomerMover)
JOURNEYS = web.AppKey("journeys", JourneysRuntime)
CHANNELS = web.AppKey("channels", LiveChannels)
CHANNEL_KEEPER = web.AppKey("channel_keeper", ChannelCodeKeeper)
# Set once the server listens (`bot.app.mark_serving`).
SERVING = web.AppKey("serving", asyncio.Event)
WELCOMES = web.AppKey("welcomes", WelcomeLane)
