"""Gauges read from the database when `/metrics` is scraped: leads, journeys, outbox, backlog.

Counting rows at scrape time (a few grouped queries) keeps the gauges right
across every process and restart, which counters kept in memory cannot.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime

from bot.metrics import Metrics
from storage.database import SessionFactory
from storage.journey_repo import counts_by_status
from storage.leads_repo import counts_by_state_and_grade
from storage.outbox import Outbox
from storage.pending_events import effects_backlog
from storage.types import utc_now

log = logging.getLogger(__name__)


async def refresh_gauges(
    metrics: Metrics, sessions: SessionFactory, clock: Callable[[], datetime] = utc_now
) -> None:
    """Set the database-backed gauges from the current rows."""
    async with sessions() as session:
        leads = await counts_by_state_and_grade(session)
        runs = await counts_by_status(session)
        # The backlog is the database's, not this process's.
        waiting = await effects_backlog(session, clock())
    metrics.effects_backlog.set(waiting.events)
    metrics.effects_lag.set(waiting.oldest_s)
    # Cleared first: a state (or journey status) with nothing left must not keep its value.
    metrics.leads.clear()
    for (state, grade), count in leads.items():
        metrics.leads.labels(state, grade).set(count)
    metrics.journey_runs.clear()
    for (journey, status), count in runs.items():
        metrics.journey_runs.labels(journey, status).set(count)
    pending = await Outbox(sessions, clock).pending_by_kind()
    metrics.outbox_depth.clear()
    metrics.outbox_oldest_seconds.clear()
    now = clock()
    for kind, (count, oldest) in pending.items():
        metrics.outbox_depth.labels(kind).set(count)
        age_s = (now - _aware(oldest)).total_seconds()
        metrics.outbox_oldest_seconds.labels(kind).set(max(0.0, age_s))


def _aware(moment: datetime) -> datetime:
    # SQLite hands datetimes back naive; they were stored in UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


async def refresh_before_scrape(metrics: Metrics, sessions: SessionFactory) -> None:
    """`refresh_gauges`, but a database that is down leaves the gauges stale, not /metrics down."""
    try:
        await refresh_gauges(metrics, sessions)
    except Exception as exc:
        log.warning("metrics gauges not refreshed: %s: %s", type(exc).__name__, exc)
