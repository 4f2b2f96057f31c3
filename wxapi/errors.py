"""The one error hierarchy of the API client.

Which codes are retryable (worth trying again later, with backoff):
  -1 system busy; 45009 daily quota and 45011 minute quota (they reset);
  130101, which our notes give for a group robot over 20 messages a minute;
  any transport failure: HTTP 5xx, timeouts, refused connections.
Permanent (retrying the same call cannot help): 45015 outside the 48 h window
or unfollowed, 45047 custom-message count used up, 40003 invalid openid,
40032 more than 50 openids, 45059 user has 20 tags, 45056/45157 tag limits,
40013/40125 bad credentials, and every code not listed as retryable.
Token codes 40001/40014/42001 are handled by the client (one refresh, one
retry); when one still escapes, it is reported as permanent.
"""

from __future__ import annotations

from typing import Final

TOKEN_ERRCODES: Final = frozenset({40001, 40014, 42001})
RETRYABLE_ERRCODES: Final = frozenset({-1, 45009, 45011, 130101})
# Not a WeChat code: the server gave no usable answer.
TRANSPORT_ERRCODE: Final = -1000
_SERVER_ERROR_MIN: Final = 500


class ApiError(Exception):
    """WeChat or WeCom answered with a non-zero errcode (or not at all: see below)."""

    def __init__(self, errcode: int, errmsg: str, endpoint: str) -> None:
        self.errcode = errcode
        self.errmsg = errmsg
        self.endpoint = endpoint
        super().__init__(f"{endpoint} failed: errcode {errcode}: {errmsg}")

    @property
    def retryable(self) -> bool:
        """True when the same call may succeed later."""
        return self.errcode in RETRYABLE_ERRCODES

    @property
    def token_rejected(self) -> bool:
        """True when the access token was unknown, superseded or expired."""
        return self.errcode in TOKEN_ERRCODES


class TransportError(ApiError):
    """No usable answer: timeout, connection error, HTTP error status or a bad body."""

    def __init__(self, endpoint: str, reason: str, http_status: int | None = None) -> None:
        self.http_status = http_status
        super().__init__(TRANSPORT_ERRCODE, reason, endpoint)

    @property
    def retryable(self) -> bool:
        """False only for HTTP 4xx, which the servers use for malformed requests."""
        return self.http_status is None or self.http_status >= _SERVER_ERROR_MIN
