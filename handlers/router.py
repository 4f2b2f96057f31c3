"""Explicit routing, as in aiogram: routers hold (filter, handler) pairs in order.

The first handler that returns anything but `UNHANDLED` wins; a handler that
returns None has handled the message and chosen not to reply.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Final

from handlers.context import Context
from handlers.messages import Inbound, ReplyValue


class _Unhandled(enum.Enum):
    UNHANDLED = "UNHANDLED"


UNHANDLED: Final = _Unhandled.UNHANDLED
HandlerResult = ReplyValue | _Unhandled
Handler = Callable[[Inbound, Context], Awaitable[HandlerResult]]
Filter = Callable[[Inbound], bool]


class Router:
    """An ordered list of handlers with the filters that select them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[tuple[Filter, Handler]] = []

    def register(self, accepts: Filter, handler: Handler) -> Handler:
        self._routes.append((accepts, handler))
        return handler

    def message(self, *msg_types: str) -> Callable[[Handler], Handler]:
        """Register a handler for plain messages of the given types (all when none given)."""
        wanted = frozenset(msg_types)

        def accepts(msg: Inbound) -> bool:
            return not msg.is_event and (not wanted or msg.msg_type in wanted)

        return lambda handler: self.register(accepts, handler)

    def event(self, *events: str) -> Callable[[Handler], Handler]:
        """Register a handler for events by lower-case name (all events when none given)."""
        wanted = frozenset(events)

        def accepts(msg: Inbound) -> bool:
            return msg.is_event and (not wanted or msg.event in wanted)

        return lambda handler: self.register(accepts, handler)

    def include(self, router: Router) -> None:
        """Append another router's handlers after this one's."""
        self._routes.extend(router._routes)

    async def dispatch(self, msg: Inbound, ctx: Context) -> HandlerResult:
        for accepts, handler in self._routes:
            if accepts(msg):
                result = await handler(msg, ctx)
                if result is not UNHANDLED:
                    return result
        return UNHANDLED
