"""Every flow has a Mermaid diagram in docs/flows, drawn from its definition and kept current."""

from __future__ import annotations

from pathlib import Path

from flows import diagrams
from flows.answers import Choose, Option, Text
from flows.registry import FLOWS
from flows.steps import Exit, Flow, Start, Step

DOCS = Path(__file__).resolve().parents[1] / "docs" / "flows"


def test_every_committed_diagram_matches_its_flow() -> None:
    assert diagrams.stale(DOCS, FLOWS) == [], "diagrams are stale: run ./dev diagrams"


def test_a_new_flow_gets_a_diagram_with_its_branches_and_the_flows_it_starts(
    tmp_path: Path,
) -> None:
    broadcast = Flow(
        id="made_up",
        steps=(
            Step("audience", "Who should receive it?",
                 Choose((Option("all", "Everyone"), Option("area", "One area"))),
                 next={"all": "text", "area": "which_area"}),
            Step("which_area", "Which area?", Text()),
            Step("text", "What is the message?", Text(), optional=True),
            Step("send", "Send it now?",
                 Choose((Option("yes", "Yes"), Option("no", "No"))),
                 next={"yes": Start("menu"), "no": Exit(event="broadcast_dropped")}),
        ),
    )
    flows = {**FLOWS, "made_up": broadcast}
    assert diagrams.write(tmp_path, flows) == sorted(diagrams.pages(flows))
    page = (tmp_path / "made_up.md").read_text(encoding="utf-8")
    for fragment in ('s_audience -->|"all"| s_text', 's_audience -->|"area"| s_which_area',
                     's_text -.->|"skip"| s_send', 's_send -->|"yes"| start_menu',
                     'start_menu[["menu flow"]]', 's_send -->|"no"| exit_broadcast_dropped',
                     '"audience: Who should receive it?"'):
        assert fragment in page
    assert diagrams.stale(tmp_path, flows) == []

    assert diagrams.stale(tmp_path, FLOWS) == ["made_up.md"]  # a flow that went away
    diagrams.write(tmp_path, FLOWS)
    assert not (tmp_path / "made_up.md").exists()


def test_the_check_fails_on_a_stale_diagram(tmp_path: Path) -> None:
    diagrams.write(tmp_path, FLOWS)
    (tmp_path / "menu.md").write_text("old", encoding="utf-8")
    assert diagrams.main([str(tmp_path), "--check"]) == 1
    assert diagrams.main([str(tmp_path)]) == 0
    assert diagrams.main([str(tmp_path), "--check"]) == 0
