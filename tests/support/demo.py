"""The demo programme loaded in the test's own process, as `champbot demo` would load it
(real clock, so its invite codes work for a `champbot` process): cheaper than starting
a process for it where the command itself is not what the test is about
(tests/test_cli.py runs the command)."""

from __future__ import annotations

import asyncio

from bot.app import utc_now
from bot.services import demo
from bot.storage.database import Database


def load_demo(environ: dict[str, str]) -> demo.Demo:
    async def load() -> demo.Demo:
        database = Database(environ["DATABASE_URL"])
        try:
            return await demo.load(database, utc_now())
        finally:
            await database.close()

    return asyncio.run(load())
