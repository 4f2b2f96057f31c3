"""Builds the daily customer reconciliation for the app and for `wxbot team reconcile`."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import aiohttp

from bot.config.settings import Settings
from bot.effects.api_clients import wecom_clients
from bot.runtime.reconcile import CustomerReconciler
from leads.reconcile import Reconciliation
from leads.team import Team
from leads.transfer_outcomes import TransferOutcomes
from leads.transfer_upkeep import TransferUpkeep
from storage.cache import Cache
from storage.database import SessionFactory
from wxapi.transfers import TransferApi


def build_reconciler(
    settings: Settings,
    http: aiohttp.ClientSession,
    cache: Cache,
    sessions: SessionFactory,
    clock: Callable[[], datetime],
    *,
    team: Team,
) -> CustomerReconciler | None:
    """The reconciler of the leads' WeCom app; None without leads or that app.

    `team` is the live team (the table's): whose lists are read, and whose managers
    hear of a mismatch, as it is on the day of the run."""
    policy = settings.leads
    client = None if policy is None else wecom_clients(settings, http, cache).get(policy.wecom)
    if policy is None or client is None:
        return None
    manager_of = team.manager_of
    outcomes = TransferOutcomes(policy.wecom, manager_of, clock)
    return CustomerReconciler(
        sessions,
        TransferApi(client),
        Reconciliation(policy.wecom, manager_of, clock),
        TransferUpkeep(policy.wecom, outcomes, clock),
        lambda: tuple(rep.userid for rep in team.reps),
        cache=cache,
        clock=clock,
    )
