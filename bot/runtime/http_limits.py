"""Serving with limits aiohttp lacks: a read deadline and a cap on open connections.

aiohttp waits for ever for a request whose headers or body trickle in, so 60
clients sending a byte a second hold 60 connections for good. Each request here
gets a deadline from its first byte (the first, from the connection's opening)
until it is fully received; past it the connection is dropped with one INFO line.
The deadline ends with the request's handling: a keep-alive connection idle or busy
for longer is kept, and the next request's first byte starts its own. Connections
beyond the cap are answered 503 and closed at once.
Handling time is not limited here: the callback edge has its own budget.

The hooks are aiohttp's `RequestHandler` (the protocol of one connection) and
`Server` (its factory); `LimitedAppRunner` plugs them into a normal `AppRunner`.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from typing import Any, cast

from aiohttp import web
from aiohttp.web_protocol import RequestHandler
from aiohttp.web_request import BaseRequest
from aiohttp.web_response import StreamResponse

from bot.errors import RequestDeadlineExceeded

log = logging.getLogger(__name__)

# Idle keep-alive connections close after this (aiohttp's default is an hour).
KEEPALIVE_S = 75.0
# A refused connection is logged at most this often: a flood must not flood the log.
REFUSAL_LOG_INTERVAL_S = 10.0
_SERVICE_UNAVAILABLE = (
    b"HTTP/1.1 503 Service Unavailable\r\n"
    b"Content-Type: text/plain\r\nContent-Length: 17\r\nConnection: close\r\n\r\n"
    b"too many clients\n"
)


@dataclass(frozen=True)
class HttpLimits:
    """`read_timeout_s`: to receive one request; `max_connections`: open at once."""

    read_timeout_s: float = 10.0
    max_connections: int = 1000


class _RefusalLog:
    """Counts refused connections and logs them at most every `REFUSAL_LOG_INTERVAL_S`."""

    def __init__(self) -> None:
        self._refused = 0
        self._last_logged = 0.0

    def refused(self, limit: int) -> None:
        self._refused += 1
        now = time.monotonic()
        if now - self._last_logged >= REFUSAL_LOG_INTERVAL_S:
            log.warning("refused %d connection(s): %d already open", self._refused, limit)
            self._refused = 0
            self._last_logged = now


class DeadlineRequestHandler(RequestHandler):
    """One connection: dropped when a request is not fully received in time."""

    def __init__(
        self, manager: LimitedServer, limits: HttpLimits, refusals: _RefusalLog, **kwargs: Any
    ) -> None:
        super().__init__(manager, **kwargs)
        self._limits = limits
        self._refusals = refusals
        self._deadline: asyncio.TimerHandle | None = None
        # True from a connection's opening or a request's first byte until aiohttp has
        # parsed the request's headers; the body is then followed through its stream.
        self._awaiting_headers = True
        self._refused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        manager = self._manager
        if manager is not None and len(manager.connections) >= self._limits.max_connections:
            # Refused before aiohttp sees the connection: no request task, no bookkeeping.
            self._refused = True
            self._refusals.refused(self._limits.max_connections)
            cast(asyncio.Transport, transport).write(_SERVICE_UNAVAILABLE)
            transport.close()
            return
        super().connection_made(transport)
        self._arm()

    def connection_lost(self, exc: BaseException | None) -> None:
        if self._refused:
            return
        self._disarm()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if self._current_request is None and not self._awaiting_headers:
            # The first byte of the next request on a kept-alive connection: its own
            # deadline starts now (not the one armed when the connection opened, which
            # dropped a request begun a moment before it ran out, or one whose parsed
            # headers were still waiting for their handler to start).
            self._awaiting_headers = True
            self._arm()
        super().data_received(data)

    async def _handle_request(
        self, request: BaseRequest, *args: Any
    ) -> tuple[StreamResponse, bool]:
        self._awaiting_headers = False
        try:
            return await super()._handle_request(request, *args)
        finally:
            self._disarm()  # received in full and handled

    def _arm(self) -> None:
        self._disarm()
        self._deadline = self._loop.call_later(self._limits.read_timeout_s, self._expire)

    def _disarm(self) -> None:
        if self._deadline is not None:
            self._deadline.cancel()
            self._deadline = None

    def _expire(self) -> None:
        self._deadline = None
        request = self._current_request
        if request is not None:
            if request.content.is_eof():
                return  # received in full; being handled
            # The body is late: fail the read in progress, which answers and logs once
            # (`bot.callbacks.checks.read_limited`), then close the connection.
            self.force_close()
            request.content.set_exception(RequestDeadlineExceeded(self._limits.read_timeout_s))
            return
        if self._awaiting_headers and not self._messages:
            peer = self.transport.get_extra_info("peername") if self.transport else None
            log.info(
                "dropped a connection: no complete request headers within %gs peer=%s",
                self._limits.read_timeout_s,
                peer,
            )
            self.force_close()
            if self.transport is not None:
                self.transport.close()


class LimitedServer(web.Server):
    """aiohttp's connection factory, building `DeadlineRequestHandler`s."""

    def __init__(self, limits: HttpLimits, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._limits = limits
        self._refusals = _RefusalLog()

    def __call__(self) -> RequestHandler:
        return DeadlineRequestHandler(
            self, self._limits, self._refusals, loop=self._loop, **self._kwargs
        )


class LimitedAppRunner(web.AppRunner):
    """An `AppRunner` whose connections have a read deadline and a cap."""

    def __init__(self, app: web.Application, limits: HttpLimits, **kwargs: Any) -> None:
        super().__init__(app, keepalive_timeout=KEEPALIVE_S, **kwargs)
        self._limits = limits

    async def _make_server(self) -> web.Server:
        base = await super()._make_server()
        # Same handler, factory and options as aiohttp's own; only the protocol differs.
        return LimitedServer(
            self._limits,
            base.request_handler,
            request_factory=base.request_factory,
            handler_cancellation=base.handler_cancellation,
            loop=asyncio.get_running_loop(),
            **base._kwargs,
        )
