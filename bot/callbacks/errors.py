"""The one error hierarchy of wxbot's edge: each error carries its fields."""

from __future__ import annotations

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
