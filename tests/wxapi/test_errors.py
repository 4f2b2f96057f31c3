"""Retryable versus permanent failures, timeouts and what reaches the log."""

from __future__ import annotations

import logging
import time

import pytest

from fakewechat import FakeWeChat
from fakewechat import limits as L
from storage.cache import Cache
from tests.fakewechat.world import APP_SECRET, OPENIDS
from tests.wxapi.factory import OaFactory
from wxapi import ApiError, OfficialAccountClient, TransportError

SEND = "/cgi-bin/message/custom/send"


@pytest.mark.parametrize(
    ("errcode", "retryable"),
    [
        (L.SYSTEM_BUSY, True),
        (L.QUOTA_DAILY, True),
        (L.QUOTA_MINUTE, True),
        (L.OUT_OF_SERVICE_WINDOW, False),
        (L.CUSTOM_SEND_LIMIT, False),
        (L.INVALID_OPENID, False),
    ],
)
async def test_errcode_becomes_api_error_with_retryable_flag(
    oa: OfficialAccountClient, state: FakeWeChat, errcode: int, retryable: bool
) -> None:
    state.inject(SEND, errcode=errcode)
    with pytest.raises(ApiError) as caught:
        await oa.send_custom_text(OPENIDS[0], "hi")
    assert (caught.value.errcode, caught.value.retryable) == (errcode, retryable)
    assert caught.value.endpoint == SEND
    assert not isinstance(caught.value, TransportError)
    assert len(state.calls_to(SEND)) == 1  # no hidden retries of business errors


@pytest.mark.parametrize(("status", "retryable"), [(502, True), (503, True), (404, False)])
async def test_http_error_status_is_a_transport_error(
    oa: OfficialAccountClient, state: FakeWeChat, status: int, retryable: bool
) -> None:
    state.inject(SEND, http_status=status)
    with pytest.raises(TransportError) as caught:
        await oa.send_custom_text(OPENIDS[0], "hi")
    assert caught.value.http_status == status
    assert caught.value.retryable is retryable


async def test_slow_answer_times_out_as_retryable_transport_error(
    make_oa: OaFactory, cache: Cache, state: FakeWeChat
) -> None:
    client = make_oa(cache, timeout_s=0.2)
    await client.token.get()
    state.inject(SEND, delay_s=2.0)
    started = time.monotonic()
    with pytest.raises(TransportError) as caught:
        await client.send_custom_text(OPENIDS[0], "hi")
    assert time.monotonic() - started < 1.0
    assert caught.value.retryable
    assert caught.value.http_status is None


async def test_unreachable_server_is_a_retryable_transport_error(
    make_oa: OaFactory, cache: Cache
) -> None:
    # Port 9 (discard) is closed on loopback here: the connection is refused.
    client = make_oa(cache, api_base="http://127.0.0.1:9")
    with pytest.raises(TransportError) as caught:
        await client.list_tags()
    assert caught.value.retryable
    assert caught.value.endpoint == "/cgi-bin/stable_token"


async def test_logs_name_endpoint_and_errcode_but_never_secret_or_token(
    oa: OfficialAccountClient, state: FakeWeChat, caplog: pytest.LogCaptureFixture
) -> None:
    token = await oa.token.get()
    state.inject(SEND, errcode=L.SYSTEM_BUSY)
    state.inject(SEND, http_status=500)
    with caplog.at_level(logging.DEBUG, logger="wxapi"), pytest.raises(ApiError):
        await oa.send_custom_text(OPENIDS[0], "hi")
    with caplog.at_level(logging.DEBUG, logger="wxapi"), pytest.raises(TransportError) as caught:
        await oa.send_custom_text(OPENIDS[0], "hi")
    assert SEND in caplog.text
    assert "errcode=-1" in caplog.text
    for secret in (token, APP_SECRET):
        assert secret not in caplog.text
        assert secret not in str(caught.value)
    assert caught.value.__cause__ is None
