"""The Bot API's calls carried by aiohttp (bot/channels/telegram/transport.py): what
reaches the server, and what a silent or absent server means to the sender."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from telegram import Bot
from telegram.error import NetworkError, TimedOut

from bot.channels.base import RetryLater
from bot.channels.telegram.sender import result_of
from bot.channels.telegram.transport import AiohttpRequest
from tests.support.processes import free_port
from tests.support.telegram_server import FakeTelegram


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with FakeTelegram().running() as server:
        yield server


async def test_a_message_and_an_upload_reach_telegram_as_sent(telegram: FakeTelegram) -> None:
    telegram.person(4001)
    async with Bot(telegram.token, base_url=telegram.base_url,
                   request=AiohttpRequest()) as bot:
        sent = await bot.send_message(4001, "سلام <b>x</b>", parse_mode="HTML")
        photo = await bot.send_photo(4001, b"\x89PNG a chart", caption="Your month")
    text, picture = telegram.chats[4001]
    assert text.text == "سلام x" and sent.message_id == text.message_id
    assert picture.kind == "photo" and picture.text == "Your month"
    assert telegram.files[picture.file_id] == b"\x89PNG a chart"
    assert photo.message_id == picture.message_id


async def test_a_server_that_never_answers_is_a_timeout_the_row_retries_later() -> None:
    done = asyncio.Event()
    handled: list[asyncio.Task[None] | None] = []

    async def silent(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        handled.append(asyncio.current_task())  # type: ignore[arg-type]
        await reader.read(65536)
        await done.wait()  # reads the request, never answers
        writer.close()
        await writer.wait_closed()

    server = await asyncio.start_server(silent, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    request = AiohttpRequest(read_seconds=0.3)
    await request.initialize()
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{port}/bot", request=request)
    try:
        with pytest.raises(TimedOut) as caught:
            await bot.send_message(4001, "hello", write_timeout=0.1)
    finally:
        await request.shutdown()
        done.set()
        server.close()
        await asyncio.gather(*(t for t in handled if t), return_exceptions=True)
        await server.wait_closed()
    assert isinstance(result_of(caught.value), RetryLater)


async def test_no_server_at_all_is_a_network_error_the_row_retries_later() -> None:
    request = AiohttpRequest()
    await request.initialize()
    bot = Bot("1:x", base_url=f"http://127.0.0.1:{free_port()}/bot", request=request)
    try:
        with pytest.raises(NetworkError) as caught:
            await bot.send_message(4001, "hello")
    finally:
        await request.shutdown()
    assert isinstance(result_of(caught.value), RetryLater)
