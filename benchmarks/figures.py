"""A measured figure (project, naive baseline, ratio), the table, and the JSON file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class Figure:
    measure: str  # turns, latency, dispatcher, fanout, caps, growth
    name: str  # e.g. "50 people"
    unit: str  # turns/s, ms, msg/s, s, MB
    project: float
    naive: float | None
    better: str = "higher"  # or "lower": which way the project's number should go
    note: str = ""  # what the naive baseline is, when it is not obvious

    @property
    def ratio(self) -> float | None:
        """project / naive (a speed-up when higher is better, a share when lower is)."""
        if self.naive is None or self.naive <= 0 or self.project <= 0:
            return None
        return self.project / self.naive

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "ratio": self.ratio}


def _number(value: float | None) -> str:
    if value is None:
        return "-"
    if value >= 100:
        return f"{value:,.0f}"
    return f"{value:.3g}" if value < 10 else f"{value:.1f}"


def table(figures: list[Figure]) -> str:
    lines = [f"{'measure':<11}{'figure':<40}{'unit':<9}{'project':>11}{'naive':>11}"
             f"{'ratio':>8}  note"]
    for f in figures:
        ratio = f"{f.ratio:.2f}x" if f.ratio is not None else "-"
        lines.append(f"{f.measure:<11}{f.name:<40}{f.unit:<9}{_number(f.project):>11}"
                     f"{_number(f.naive):>11}{ratio:>8}  {f.note}")
    return "\n".join(lines)


def write(path: Path, machine: dict[str, Any], settings: dict[str, Any],
          figures: list[Figure], notes: dict[str, str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"machine": machine, "settings": settings, "notes": notes,
                                "figures": [f.to_dict() for f in figures]}, indent=2) + "\n")


def markdown(results: dict[str, Any]) -> str:
    """A results file as the README's table: `python -m benchmarks.figures results.json`."""
    machine, settings = results["machine"], results["settings"]
    version = machine["postgresql"] or machine["sqlite"]
    lines = [f"{machine['database']} {version}, `--{settings['mode']}`, "
             f"{machine['usable_cores']} cores, Python {machine['python']}, load average "
             f"{machine['load_average_at_start'][0]:g} at start",
             "", "| measure | figure | unit | project | baseline | ratio |",
             "|---|---|---|---:|---:|---:|"]
    for f in results["figures"]:
        ratio = f"{f['ratio']:.2f}×" if f["ratio"] is not None else "–"
        naive = _number(f["naive"]) if f["naive"] is not None else "–"
        lines.append(f"| {f['measure']} | {f['name']} | {f['unit']} | "
                     f"{_number(f['project'])} | {naive} | {ratio} |")
    return "\n".join(lines)


if __name__ == "__main__":
    import sys

    for name in sys.argv[1:]:
        print(markdown(json.loads(Path(name).read_text())) + "\n")
