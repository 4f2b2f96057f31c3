"""The `journey.send` executor: try each channel of the step in turn, record what happened.

A channel that cannot reach the person (outside the 48-hour window or unfollowed,
45015; count used up, 45047; not following for a template, 43004; a subscribe
message not accepted, 43101; no WeCom relation) is logged and the next channel
is tried. Retryable failures (quota, system busy) raise, so the outbox retries
the whole job later with backoff: WeChat's limits are respected, never dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

import aiohttp
from sqlalchemy.ext.asyncio import AsyncSession

from bot.config.settings import Settings
from bot.effects.api_clients import configured, official_account_clients, wecom_clients
from bot.effects.jobs import JobHandler, SettleWrites
from bot.metrics import Metrics
from journeys.sends import (
    CUSTOM,
    JOURNEY_SEND,
    REMIND,
    SUBSCRIBE,
    TEMPLATE,
    WECOM,
    Attempt,
    JourneySend,
)
from storage import journey_repo
from storage.cache import Cache
from storage.journey_repo import RunEvent
from storage.timeline import Change, record
from storage.types import utc_now
from wxapi.errors import ApiError

log = logging.getLogger(__name__)

JOURNEY_TIMELINE = "journey"
NO_RELATION = 84061


class JourneyMessenger:
    """Sends journey steps through the configured official accounts and WeCom app."""

    def __init__(
        self,
        settings: Settings,
        http: aiohttp.ClientSession,
        cache: Cache,
        metrics: Metrics,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self._oa = official_account_clients(settings, http, cache)
        self._wecom = wecom_clients(settings, http, cache)
        self._metrics = metrics
        self._clock = clock

    def handlers(self) -> list[JobHandler[Any]]:
        return [JobHandler(JOURNEY_SEND, self.send)]

    async def send(self, target: str, send: JourneySend) -> SettleWrites:
        outcomes: list[tuple[str, str, str | None]] = []
        for attempt in send.attempts:
            try:
                await self._try(send, attempt)
            except ApiError as exc:
                if exc.retryable or exc.token_rejected:
                    raise
                log.warning(
                    "journey %s run %d step %d: %s refused (%s); trying the next channel",
                    send.journey,
                    send.run_id,
                    send.step + 1,
                    attempt.channel,
                    exc.errcode,
                )
                outcomes.append(("failed", attempt.channel, f"errcode {exc.errcode}"))
                continue
            outcomes.append(("sent", attempt.channel, None))
            break
        else:
            outcomes.append(("unreachable", "", "every channel refused"))
        for outcome, channel, _ in outcomes:
            self._metrics.journey_sends.labels(send.journey, channel, outcome).inc()
        return self._record(send, outcomes)

    async def _try(self, send: JourneySend, attempt: Attempt) -> None:
        body = dict(attempt.body)
        if attempt.channel == CUSTOM:
            await configured(self._oa, send.account, JOURNEY_SEND.name).send_custom_message(body)
        elif attempt.channel == TEMPLATE:
            await configured(self._oa, send.account, JOURNEY_SEND.name).send_template_message(body)
        elif attempt.channel == SUBSCRIBE:
            await configured(self._oa, send.account, JOURNEY_SEND.name).send_subscribe_message(body)
        elif attempt.channel == WECOM:
            client = configured(self._wecom, send.wecom_app, JOURNEY_SEND.name)
            answer = await client.add_msg_template(body)
            failed = answer.get("fail_list")
            wanted = body.get("external_userid")
            if isinstance(failed, list) and isinstance(wanted, list) and len(failed) >= len(wanted):
                raise ApiError(NO_RELATION, "no relation with the sender", "add_msg_template")
        elif attempt.channel == REMIND:
            await configured(self._wecom, send.wecom_app, JOURNEY_SEND.name).send_message(body)
        else:
            raise ApiError(0, f"unknown channel {attempt.channel!r}", JOURNEY_SEND.name)

    def _record(
        self, send: JourneySend, outcomes: list[tuple[str, str, str | None]]
    ) -> SettleWrites:
        """The run's events and the profile's timeline line, written when the job settles."""
        now = self._clock()
        events = [
            RunEvent(
                send.run_id,
                send.profile_id,
                send.journey,
                send.step,
                kind,
                now,
                channel or None,
                detail,
            )
            for kind, channel, detail in outcomes
        ]
        story = " → ".join(
            f"{channel or 'none'} {kind}{f' ({detail})' if detail else ''}"
            for kind, channel, detail in outcomes
        )
        change = Change(
            JOURNEY_TIMELINE,
            now,
            source=f"journey:{send.journey}",
            detail=f"step {send.step + 1}: {story}",
        )

        async def write(session: AsyncSession) -> None:
            await journey_repo.add_events(session, events)
            await record(session, send.profile_id, change)

        return write


def journey_jobs(
    settings: Settings, http: aiohttp.ClientSession, cache: Cache, metrics: Metrics
) -> list[JobHandler[Any]]:
    """The journeys' job kinds; none when no journeys file is configured."""
    if settings.journeys.file is None:
        return []
    return JourneyMessenger(settings, http, cache, metrics).handlers()
