"""One HTTP call to WeChat/WeCom: timeout, JSON decoding and errcode → exception.

The URL carries the access token (or a robot key) in its query, so nothing
here logs or chains an exception that could print it: errors name only the
endpoint path.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import aiohttp

from wxapi.errors import ApiError, TransportError
from wxapi.limits import CALL_TIMEOUT_S

JsonDict = dict[str, Any]

logger = logging.getLogger(__name__)


async def call_api(
    session: aiohttp.ClientSession,
    method: str,
    url: str,
    *,
    endpoint: str,
    params: Mapping[str, str] | None = None,
    payload: JsonDict | None = None,
    timeout_s: float = CALL_TIMEOUT_S,
) -> JsonDict:
    """Send one request and return the decoded JSON object; raise on any errcode."""
    # WeChat shows \\uXXXX escapes literally in some message types, so bodies
    # go out as raw UTF-8 (wechatpy does the same).
    data = None if payload is None else json.dumps(payload, ensure_ascii=False).encode()
    headers = {"Content-Type": "application/json; charset=utf-8"} if data is not None else None
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with session.request(
            method, url, params=params, data=data, headers=headers, timeout=timeout
        ) as response:
            # The servers answer even their errors as HTTP 200 + errcode.
            if response.status != HTTPStatus.OK:
                raise _failed(TransportError(endpoint, f"HTTP {response.status}", response.status))
            text = await response.text(encoding="utf-8")
    except TimeoutError:
        raise _failed(TransportError(endpoint, f"no answer within {timeout_s} s")) from None
    except aiohttp.ClientError as exc:
        # `from None`: aiohttp's message may contain the full URL with the token.
        raise _failed(TransportError(endpoint, type(exc).__name__)) from None
    return _decode(text, endpoint)


def _decode(text: str, endpoint: str) -> JsonDict:
    try:
        data = json.loads(text)
    except ValueError:
        raise _failed(TransportError(endpoint, "answer is not JSON")) from None
    if not isinstance(data, dict):
        raise _failed(TransportError(endpoint, "answer is not a JSON object"))
    errcode = data.get("errcode", 0)
    if errcode != 0:
        code = errcode if isinstance(errcode, int) else -1
        raise _failed(ApiError(code, str(data.get("errmsg", "")), endpoint))
    return data


def _failed(error: ApiError) -> ApiError:
    logger.warning(
        "wechat api call failed: endpoint=%s errcode=%s retryable=%s",
        error.endpoint,
        error.errcode,
        error.retryable,
    )
    return error


async def fetch_image(
    session: aiohttp.ClientSession,
    url: str,
    params: Mapping[str, str],
    timeout_s: float = CALL_TIMEOUT_S,
) -> bytes:
    """GET an image; a JSON answer is an error (the servers answer errors as JSON)."""
    endpoint = url.rsplit("/", 1)[-1]
    timeout = aiohttp.ClientTimeout(total=timeout_s)
    try:
        async with session.get(url, params=params, timeout=timeout) as response:
            if response.status != HTTPStatus.OK:
                raise _failed(TransportError(endpoint, f"HTTP {response.status}", response.status))
            body = await response.read()
            kind = response.content_type
    except TimeoutError:
        raise _failed(TransportError(endpoint, f"no answer within {timeout_s} s")) from None
    except aiohttp.ClientError as exc:
        raise _failed(TransportError(endpoint, type(exc).__name__)) from None
    if not kind.startswith("image/"):
        _decode(body.decode("utf-8", "replace"), endpoint)  # raises on an errcode
        raise _failed(TransportError(endpoint, f"answer is {kind}, not an image"))
    return body
