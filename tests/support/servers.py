"""Serving an ASGI app on 127.0.0.1 inside the test's own event loop."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import uvicorn
from starlette.types import ASGIApp


def bound_socket() -> socket.socket:
    """A listening socket on a free port: connections queue until the server takes them,
    so nobody has to wait for the server to be up before talking to it."""
    # Named as TCP, so asyncio sets TCP_NODELAY on each connection (it checks the
    # protocol number); otherwise every response waits ~40 ms on a delayed ACK.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    sock.bind(("127.0.0.1", 0))
    sock.listen(128)
    return sock


class _Server(uvicorn.Server):
    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield  # the test runner keeps its own signal handlers


@contextlib.asynccontextmanager
async def serve(app: ASGIApp, sock: socket.socket | None = None) -> AsyncIterator[str]:
    sock = sock or bound_socket()
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="off", ws="none",
                            timeout_graceful_shutdown=2)
    server = _Server(config)
    task = asyncio.create_task(server.serve(sockets=[sock]))
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task
        sock.close()
