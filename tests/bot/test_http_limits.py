"""Slow and held connections are dropped; the connection cap answers 503; disconnects are quiet."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from urllib.parse import urlencode

import aiohttp
import pytest

from bot.app import create_app
from bot.config.settings import Settings
from bot.runtime.http_limits import HttpLimits, LimitedAppRunner
from bot.testing.wechat_player import WeChatPlayer
from tests.bot.processes import free_port
from tests.conftest import AES_KEY, APP_ID, TOKEN

DEADLINE_S = 0.5
CAP = 8


@pytest.fixture
async def port(settings: Settings) -> AsyncIterator[int]:
    """The bot on loopback behind the limits, with a short deadline."""
    runner = LimitedAppRunner(create_app(settings), HttpLimits(DEADLINE_S, CAP), access_log=None)
    await runner.setup()
    chosen = free_port()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", chosen).start()
    try:
        yield chosen
    finally:
        await runner.cleanup()


async def _closed_within(reader: asyncio.StreamReader, seconds: float) -> bytes:
    """Everything the server sent until it closed the connection (fails if it did not).

    A close with our bytes still unread on the server's side arrives as a reset.
    """
    try:
        return await asyncio.wait_for(reader.read(), seconds)
    except ConnectionResetError:
        return b""


async def _request_head(port: int, length: int) -> str:
    """A signed callback's request line and headers, announcing `length` bytes of body."""
    player = WeChatPlayer(TOKEN, APP_ID, AES_KEY)
    query = urlencode(player.callback(player.text("o_slow", "价格")).query)
    return (
        f"POST /wechat/main?{query} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Content-Type: text/xml\r\nContent-Length: {length}\r\n\r\n"
    )


async def test_headers_trickling_in_are_dropped_after_the_deadline(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    head = (await _request_head(port, 10)).encode()

    async def trickle() -> None:
        for byte in head[:-4]:
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    trickling = asyncio.create_task(trickle())
    try:
        assert await _closed_within(reader, DEADLINE_S + 2) == b""
    finally:
        trickling.cancel()
        writer.close()
    drops = [r for r in caplog.records if "no complete request headers" in r.getMessage()]
    assert [r.levelno for r in drops] == [logging.INFO]


async def test_a_connection_that_sends_nothing_is_dropped(port: int) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        assert await _closed_within(reader, DEADLINE_S + 2) == b""
    finally:
        writer.close()


async def test_a_body_that_stalls_is_dropped_with_one_info_line(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((await _request_head(port, 1000)).encode() + b"<xml>")
    try:
        answer = await _closed_within(reader, DEADLINE_S + 2)
    finally:
        writer.close()
    assert answer == b"" or answer.startswith(b"HTTP/1.1 408")  # dropped, never processed
    lines = [r for r in caplog.records if r.name.startswith(("bot", "aiohttp"))]
    assert [(r.levelno, "not received within" in r.getMessage()) for r in lines] == [
        (logging.INFO, True)
    ]


async def test_a_client_disconnecting_mid_body_is_one_info_line_without_traceback(
    port: int, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write((await _request_head(port, 1000)).encode() + b"<xml>")
    await writer.drain()
    await asyncio.sleep(0.1)
    writer.transport.abort()
    await asyncio.sleep(0.3)
    lines = [r for r in caplog.records if r.name.startswith(("bot", "aiohttp"))]
    assert [(r.levelno, r.exc_info) for r in lines] == [(logging.INFO, None)]
    assert "request body not received" in lines[0].getMessage()


async def test_connections_beyond_the_cap_get_503_and_the_held_ones_are_freed(
    port: int, player: WeChatPlayer
) -> None:
    held = [await asyncio.open_connection("127.0.0.1", port) for _ in range(CAP)]
    try:
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        assert (await _closed_within(reader, 2)).startswith(b"HTTP/1.1 503")
        writer.close()
        # The held connections send nothing: the deadline frees them, and service resumes.
        await asyncio.gather(*(_closed_within(r, DEADLINE_S + 2) for r, _ in held))
    finally:
        for _, held_writer in held:
            held_writer.close()
    callback = player.callback(player.text("o_user", "价格"))
    async with (
        aiohttp.ClientSession() as session,
        session.post(
            f"http://127.0.0.1:{port}/wechat/main", params=callback.query, data=callback.body
        ) as response,
    ):
        assert response.status == 200


async def test_a_keep_alive_connection_idle_between_requests_is_kept(
    port: int, player: WeChatPlayer
) -> None:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        for text in ("价格", "你好"):
            callback = player.callback(player.text("o_user", text))
            head = f"POST /wechat/main?{urlencode(callback.query)} HTTP/1.1\r\n"
            writer.write(
                f"{head}Host: x\r\nContent-Length: {len(callback.body)}\r\n\r\n".encode()
                + callback.body
            )
            headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
            assert headers.startswith(b"HTTP/1.1 200")
            length = int(headers.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            await reader.readexactly(length)
            await asyncio.sleep(DEADLINE_S * 2)  # idle longer than the read deadline
    finally:
        writer.close()


async def test_many_trickling_clients_are_all_dropped_while_others_are_served(
    settings: Settings, player: WeChatPlayer, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    runner = LimitedAppRunner(create_app(settings), HttpLimits(DEADLINE_S, 200), access_log=None)
    await runner.setup()
    port = free_port()
    await aiohttp.web.TCPSite(runner, "127.0.0.1", port).start()
    clients = [await asyncio.open_connection("127.0.0.1", port) for _ in range(60)]

    async def trickle(writer: asyncio.StreamWriter) -> None:
        for byte in b"POST /wechat/main HTTP/1.1\r\nHost: x\r\n":
            writer.write(bytes([byte]))
            await asyncio.sleep(0.05)

    tricklers = [asyncio.create_task(trickle(writer)) for _, writer in clients]
    try:
        callback = player.callback(player.text("o_user", "价格"))
        async with (
            aiohttp.ClientSession() as session,
            session.post(
                f"http://127.0.0.1:{port}/wechat/main", params=callback.query, data=callback.body
            ) as response,
        ):
            assert response.status == 200
        closed = await asyncio.gather(*(_closed_within(r, DEADLINE_S + 3) for r, _ in clients))
        assert closed == [b""] * 60
    finally:
        for task in tricklers:
            task.cancel()
        for _, writer in clients:
            writer.close()
        await runner.cleanup()
    drops = [r for r in caplog.records if "no complete request headers" in r.getMessage()]
    assert len(drops) == 60  # one line per dropped connection


async def _answered(reader: asyncio.StreamReader) -> bytes:
    """One response's status line and headers, its body read off."""
    headers = await asyncio.wait_for(reader.readuntil(b"\r\n\r\n"), 5)
    length = int(headers.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
    await reader.readexactly(length)
    return headers


def _request(player: WeChatPlayer, text: str) -> bytes:
    callback = player.callback(player.text("o_user", text))
    head = f"POST /wechat/main?{urlencode(callback.query)} HTTP/1.1\r\n"
    return f"{head}Host: x\r\nContent-Length: {len(callback.body)}\r\n\r\n".encode() + callback.body


async def test_a_request_begun_late_on_a_kept_connection_gets_a_whole_deadline(
    port: int, player: WeChatPlayer
) -> None:
    # The deadline runs from each request's first byte, not from the connection's
    # opening: this request starts just before the connection is DEADLINE_S old and
    # ends after, well within its own deadline.
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        writer.write(_request(player, "价格"))
        assert (await _answered(reader)).startswith(b"HTTP/1.1 200")
        await asyncio.sleep(DEADLINE_S * 0.7)
        second = _request(player, "你好")
        writer.write(second[:20])
        await asyncio.sleep(DEADLINE_S * 0.6)
        writer.write(second[20:])
        assert (await _answered(reader)).startswith(b"HTTP/1.1 200")
    finally:
        writer.close()


async def test_a_kept_connection_busy_past_many_deadlines_is_never_dropped(
    port: int, player: WeChatPlayer
) -> None:
    # wrk's connections: one request after another for longer than the deadline. A
    # deadline armed at the opening could drop one whose headers were parsed but whose
    # handler had not started yet (wrk counted them as read errors).
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    requests = [_request(player, "价格") for _ in range(20)]
    loop = asyncio.get_running_loop()
    ends = loop.time() + DEADLINE_S * 6
    sent = 0
    try:
        while loop.time() < ends:
            writer.write(requests[sent % len(requests)])
            assert (await _answered(reader)).startswith(b"HTTP/1.1 200")
            sent += 1
    finally:
        writer.close()
    assert sent > 20
