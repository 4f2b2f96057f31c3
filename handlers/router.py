"""Explicit routing, as in aiogram: routers hold (filter, handler) pairs in order.

The first handler that returns anything but `UNHANDLED` wins; a handler that
returns None has handled the message and chosen not to reply. A router is
typed by the context its handlers get: the official account's `Context`, or
WeCom's `StaffContext`.
"""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable
from typing import Final, Generic, TypeVar

from handlers.messages import Inbound, ReplyValue


class _Unhandled(enum.Enum):
    UNHANDLED = "UNHANDLED"


UNHANDLED: Final = _Unhandled.UNHANDLED
HandlerResult = ReplyValue | _Unhandled
Ctx = TypeVar("Ctx")
Handler = Callable[[Inbound, Ctx], Awaitable[HandlerResult]]
Filter = Callable[[Inbound], bool]


class Router(Generic[Ctx]):
    """An ordered list of handlers with the filters that select them."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._routes: list[tuple[Filter, Handler[Ctx]]] = []

    def register(self, accepts: Filter, handler: Handler[Ctx]) -> Handler[Ctx]:
        self._routes.append((accepts, handler))
        return handler

    def message(self, *msg_types: str) -> Callable[[Handler[Ctx]], Handler[Ctx]]:
        """Register a handler for plain messages of the given types (all when none given)."""
        wanted = frozenset(msg_types)

        def accepts(msg: Inbound) -> bool:
            return not msg.is_event and (not wanted or msg.msg_type in wanted)

        return lambda handler: self.register(accepts, handler)

    def event(self, *events: str) -> Callable[[Handler[Ctx]], Handler[Ctx]]:
        """Register a handler for events by lower-case name (all events when none given)."""
        wanted = frozenset(events)

        def accepts(msg: Inbound) -> bool:
            return msg.is_event and (not wanted or msg.event in wanted)

        return lambda handler: self.register(accepts, handler)

    def include(self, router: Router[Ctx]) -> None:
        """Append another router's handlers after this one's."""
        self._routes.extend(router._routes)

    async def dispatch(self, msg: Inbound, ctx: Ctx) -> HandlerResult:
        for accepts, handler in self._routes:
            if accepts(msg):
                result = await handler(msg, ctx)
                if result is not UNHANDLED:
                    return result
        return UNHANDLED
