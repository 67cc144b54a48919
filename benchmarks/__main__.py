"""python -m benchmarks [--quick | --smoke] [--json PATH] [--only turns,latency,...]

BENCH_DATABASE_URL=postgresql+asyncpg://postgres@127.0.0.1:5432/bench selects PostgreSQL
(that database is created if missing and wiped); otherwise a temporary SQLite file.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import caps, databases, dispatcher, fanout, figures, growth, latency, turns
from benchmarks.figures import Figure

MEASURES = ("turns", "latency", "dispatcher", "fanout", "caps", "growth")
RESULTS = Path(__file__).resolve().parent / "results.json"


@dataclass(frozen=True)
class Sizes:
    levels: tuple[int, ...]  # people writing at once
    turns: int  # turns per side per level
    rounds: int  # interleaved rounds per level
    http_people: int
    http_turns: int  # per person
    dispatched: int
    dispatched_naive: int
    fanout: tuple[int, ...]
    fanout_naive: int
    capped: tuple[int, int]  # broadcast recipients on WhatsApp, on Telegram, at the caps
    champions: int
    activities: int
    concerns: int
    repeats: int


MODES = {
    "smoke": Sizes((1, 4), 16, 2, 4, 3, 200, 100, (200,), 100, (160, 60), 20, 2_000, 500, 2),
    "quick": Sizes((1, 8, 50), 2_400, 4, 50, 4, 10_000, 600, (1_000, 20_000), 2_000,
                   (480, 180), 1_000, 100_000, 10_000, 5),
    "full": Sizes((1, 8, 50), 4_800, 4, 50, 16, 20_000, 3_000, (1_000, 10_000, 100_000),
                  10_000, (2_400, 900), 10_000, 1_000_000, 100_000, 7),
}


async def _in_process(folder: Path, sizes: Sizes, only: set[str]) -> tuple[
        list[Figure], dict[str, str]]:
    found: list[Figure] = []
    notes: dict[str, str] = {}
    if "turns" in only:
        url = await databases.fresh(folder, "turns")
        app = await databases.open_app(url, datetime.now(UTC))
        try:
            found += await turns.measure(app, url, sizes.levels, sizes.turns, sizes.rounds)
        finally:
            await app.database.close()
        _progress(found)
    if "latency" in only:
        more, notes["latency"] = await latency.measure(folder, sizes.http_people,
                                                       sizes.http_turns)
        found += more
        _progress(found)
    if "dispatcher" in only:
        url = await databases.fresh(folder, "dispatcher")
        found += await dispatcher.measure(url, sizes.dispatched, sizes.dispatched_naive)
        _progress(found)
    return found, notes


def _progress(found: list[Figure]) -> None:
    print(f"  … {len(found)} figures so far ({time.strftime('%H:%M:%S')})", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks",
                                     description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--quick", action="store_true", help="smaller sizes, under 3 minutes")
    mode.add_argument("--smoke", action="store_true", help="tiny sizes, to check it runs")
    parser.add_argument("--json", type=Path, default=RESULTS, help=f"default {RESULTS}")
    parser.add_argument("--only", default=",".join(MEASURES),
                        help="a comma-separated subset of " + ", ".join(MEASURES))
    args = parser.parse_args()
    name = "smoke" if args.smoke else "quick" if args.quick else "full"
    sizes = MODES[name]
    only = set(args.only.split(","))
    unknown = only - set(MEASURES)
    if unknown:
        parser.error(f"unknown measure: {', '.join(sorted(unknown))}")
    started = time.perf_counter()
    machine = asyncio.run(databases.machine())
    print(f"champbot benchmarks ({name}) on {machine['database']}, "
          f"{machine['usable_cores']} cores, Python {machine['python']}", flush=True)
    with tempfile.TemporaryDirectory(prefix="champbot-bench-") as folder:
        where = Path(folder)
        found, notes = asyncio.run(_in_process(where, sizes, only))
        if "dispatcher" in only and databases.postgres_url():
            url = asyncio.run(databases.fresh(where, "dispatcher"))
            found += dispatcher.two_processes(url, where, sizes.dispatched)
            _progress(found)
        if "fanout" in only:
            found += fanout.measure(where, list(sizes.fanout), sizes.fanout_naive)
            _progress(found)
        if "caps" in only:
            found += asyncio.run(caps.measure(where, *sizes.capped))
            _progress(found)
        if "growth" in only:
            found += asyncio.run(_growth(where, sizes))
    seconds = time.perf_counter() - started
    settings = {"mode": name, **asdict(sizes), "measures": sorted(only),
                "seconds": round(seconds, 1), "finished": datetime.now(UTC).isoformat()}
    print(figures.table(found))
    figures.write(args.json, machine, settings, found, notes)
    print(f"{name} run took {seconds:.0f} s; results written to {args.json}")


async def _growth(folder: Path, sizes: Sizes) -> list[Figure]:
    url = await databases.fresh(folder, "growth")
    app = await databases.open_app(url, datetime.now(UTC))
    try:
        return await growth.measure(app, sizes.champions, sizes.activities, sizes.concerns,
                                    sizes.repeats)
    finally:
        await app.database.close()


if __name__ == "__main__":
    main()
