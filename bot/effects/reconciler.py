"""Builds the daily customer reconciliation for the app and for `wxbot team reconcile`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import wecom_clients
from bot.runtime.reconcile import CustomerReconciler
from leads.reconcile import Reconciliation
from leads.transfer_outcomes import managers_of
from storage.cache import Cache
from storage.database import SessionFactory
from wxapi.transfers import TransferApi


def build_reconciler(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    clock: Callable[[], datetime],
) -> CustomerReconciler | None:
    """The reconciler of the leads' WeCom app; None without leads or that app."""
    policy = settings.leads
    client = None if policy is None else wecom_clients(settings, http, cache).get(policy.wecom)
    if policy is None or client is None:
        return None
    team = tuple(rep.userid for rep in policy.sales)
    return CustomerReconciler(
        sessions,
        TransferApi(client),
        Reconciliation(policy.wecom, managers_of(policy), clock),
        lambda: team,
        cache=cache,
        clock=clock,
    )
