"""The one error hierarchy of wxbot's edge: each error carries its fields."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path


class WxbotError(Exception):
    """Base of every error wxbot raises on purpose."""


class SettingsError(WxbotError):
    """A config file or environment value that cannot be used."""

    def __init__(self, source: Path | str, key: str, reason: str) -> None:
        self.source = str(source)
        self.key = key
        self.reason = reason
        super().__init__(f"{self.source}: {key}: {reason}")


class SettingsErrors(SettingsError):
    """Every problem found in one config file, so a user fixes them in one go.

    The fields are the first problem's; `errors` holds them all, one line each.
    """

    def __init__(self, errors: Sequence[SettingsError]) -> None:
        first = errors[0]
        super().__init__(first.source, first.key, first.reason)
        self.errors = tuple(errors)
        self.args = ("\n".join(str(error) for error in self.errors),)

    def __str__(self) -> str:
        return str(self.args[0])


class CallbackRejected(WxbotError):
    """A callback request refused at the edge, with the HTTP status to answer."""

    def __init__(self, status: int, reason: str) -> None:
        self.status = status
        self.reason = reason
        super().__init__(f"{status}: {reason}")


class RequestDeadlineExceeded(ConnectionError):
    """A request's body did not arrive in time; the connection is being dropped.

    A `ConnectionError`, so a body read fails the way it fails when the client
    disconnects mid-body.
    """

    def __init__(self, deadline_s: float) -> None:
        self.deadline_s = deadline_s
        super().__init__(f"request not received within {deadline_s:g}s")
