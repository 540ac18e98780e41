"""The load plan (FORMAT.md section 12): thresholds read and judged, the front matter and the command line
merged and bounded. Pure: no Locust."""

from __future__ import annotations

import pytest

from voiden_lsp.load.plan import Plan, PlanError, parse_threshold

FIGURES = {
    "total": {"requests": 200, "failures": 3, "rps": 120.5, "p95": 250, "p99": 900, "avg": 40},
    "requests": {"create-user": {"requests": 50, "failures": 0, "p99": 700, "rps": 30}},
}


@pytest.mark.parametrize(
    ("text", "held", "said"),
    [
        ("p95 < 300ms", True, "250.0 ms"),
        ("p95 < 0.2s", False, "250.0 ms"),
        ("failures < 1%", False, "1.50%"),
        ("failures <= 2%", True, "1.50%"),
        ("rps > 100", True, "120.5"),
        ("create-user.p99 < 800ms", True, "700.0 ms"),
        ("nobody.p99 < 800ms", False, "no request named `nobody` ran"),
    ],
)
def test_thresholds_are_judged_on_the_figures(text: str, held: bool, said: str) -> None:
    verdict, words = parse_threshold(text).judge(FIGURES)
    assert verdict is held and said in words and text in words


@pytest.mark.parametrize("text", ["p95 300ms", "p42 < 1ms", "rps > 10%", "p95 < 5%", "failures < lots"])
def test_a_threshold_that_is_none_says_how_to_write_one(text: str) -> None:
    with pytest.raises(PlanError, match=r"threshold|ms or s|without a unit"):
        parse_threshold(text)


def test_the_command_line_wins_over_the_front_matter_and_both_are_bounded() -> None:
    front = {"load": {"users": 20, "spawn-rate": 5, "duration": "1m", "journey": True, "thresholds": ["rps > 1"]}}
    plan = Plan.read(front, {"users": 3, "thresholds": ["p95 < 1s"]})
    assert (plan.users, plan.spawn_rate, plan.duration, plan.journey) == (3, 5.0, 60.0, True)
    assert [t.text for t in plan.thresholds] == ["p95 < 1s", "rps > 1"]
    with pytest.raises(PlanError, match="--users is 1 to"):
        Plan.read({}, {"users": 10**6})
    with pytest.raises(PlanError, match="not a duration"):
        Plan.read({"load": {"duration": "soon"}}, {})
    # a document alone cannot start a big run: the user confirms by typing the number
    big = Plan.read({"load": {"users": 5000, "duration": "2h"}}, {})
    assert len(big.bounded_by({})) == 2
    assert not Plan.read({"load": {"users": 5000}}, {"users": 5000}).bounded_by({"users": 5000})


def test_only_the_engine_process_imports_locust_and_gevent() -> None:
    """`import locust` patches a process with gevent: the command, the plan and the language server never do."""
    import subprocess
    import sys

    code = (
        "import sys, voiden_lsp.cli, voiden_lsp.cli.load, voiden_lsp.load.plan, voiden_lsp.server.setup;"
        "print(sorted(m for m in ('gevent', 'locust') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and done.stdout.strip() == "[]", done.stdout + done.stderr
