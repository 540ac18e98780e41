"""A load run's plan (FORMAT.md section 12), read from the command line and the front matter's `load:`, and its
thresholds judged on the final figures. Pure: no Locust here (its import patches the process with gevent)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from voiden_lsp.document import Request
from voiden_lsp.document.values import parse_duration
from voiden_lsp.errors import VoidenError
from voiden_lsp.templating import Scope, expand

LOOPBACK = ("127.0.0.1", "localhost", "::1")
"""This machine: a load run to any other host needs the user's word (`--yes`, or the editor's question)."""
MAX_USERS = 10_000
MAX_SPAWN_RATE = 1_000.0
MAX_DURATION = 24 * 3600.0
MAX_PROCESSES = 64
METRICS = ("p50", "p90", "p95", "p99", "avg", "max", "failures", "rps", "requests")
_THRESHOLD = re.compile(
    r"^\s*(?:(?P<request>[A-Za-z0-9_.\-]+)\.)?(?P<metric>p50|p90|p95|p99|avg|max|failures|rps|requests)\s*"
    r"(?P<op><=|>=|<|>|==)\s*(?P<value>\d+(?:\.\d+)?)\s*(?P<unit>ms|s|%)?\s*$"
)


class PlanError(ValueError):
    """What is wrong with the plan, in words."""


@dataclass(frozen=True)
class Threshold:
    text: str
    metric: str
    operator: str
    value: float
    """Milliseconds for times, a fraction for `failures` given in %, a count otherwise."""
    request: str | None = None

    def judge(self, stats: dict[str, Any]) -> tuple[bool, str]:
        """(held, the figure in words) on the final stats: `{"total": {...}, "requests": {name: {...}}}`."""
        row = stats.get("total") if self.request is None else (stats.get("requests") or {}).get(self.request)
        if not row:
            return False, f"{self.text}: no request named `{self.request}` ran"
        actual = _figure(row, self.metric)
        held = {
            "<": actual < self.value,
            "<=": actual <= self.value,
            ">": actual > self.value,
            ">=": actual >= self.value,
            "==": actual == self.value,
        }[self.operator]
        shown = (
            f"{actual * 100:.2f}%"
            if self.metric == "failures"
            else (f"{actual:.1f} ms" if self.metric in ("p50", "p90", "p95", "p99", "avg", "max") else f"{actual:g}")
        )
        return held, f"{self.text}: {'held' if held else 'missed'}, the run had {shown}"


def _figure(row: dict[str, Any], metric: str) -> float:
    if metric == "failures":
        count = float(row.get("requests") or 0)
        return float(row.get("failures") or 0) / count if count else 0.0
    return float(row.get(metric) or 0)


def parse_threshold(text: str) -> Threshold:
    found = _THRESHOLD.match(text)
    if found is None:
        raise PlanError(
            f"`{text}` is not a threshold: write `p95 < 300ms`, `failures < 1%`, `rps > 100` or "
            "`create-user.p99 < 800ms` (metrics: " + ", ".join(METRICS) + ")"
        )
    metric, unit, value = found["metric"], found["unit"], float(found["value"])
    if metric == "failures":
        value = value / 100 if unit == "%" else value
    elif metric in ("p50", "p90", "p95", "p99", "avg", "max"):
        if unit == "%":
            raise PlanError(f"`{text}`: a time is in ms or s, not %")
        value = value * 1000 if unit == "s" else value
    elif unit is not None:
        raise PlanError(f"`{text}`: `{metric}` is a number without a unit")
    return Threshold(text.strip(), metric, found["op"], value, found["request"])


@dataclass
class Plan:
    users: int = 10
    spawn_rate: float = 10.0
    duration: float = 30.0
    processes: int = 0
    journey: bool = False
    thresholds: list[Threshold] = field(default_factory=list)

    @classmethod
    def read(cls, front: dict[str, Any], given: dict[str, Any]) -> Plan:
        """The front matter's `load:` mapping, then what the command line gives (it wins)."""
        found = front.get("load")
        written: dict[str, Any] = found if isinstance(found, dict) else {}
        plan = cls()
        try:
            plan.users = int(given.get("users") or written.get("users") or plan.users)
            plan.spawn_rate = float(given.get("spawn_rate") or written.get("spawn-rate") or plan.spawn_rate)
            duration = given.get("duration") or written.get("duration")
            plan.processes = int(given.get("processes") or 0)
        except (TypeError, ValueError) as exc:
            raise PlanError(f"a load setting is not a number: {exc}") from None
        if duration is not None:
            seconds = parse_duration(str(duration)) if not str(duration).replace(".", "").isdigit() else float(duration)
            if seconds is None:
                raise PlanError(f"`{duration}` is not a duration: write `30s`, `2m` or `1h`")
            plan.duration = seconds
        plan.journey = bool(written.get("journey"))
        texts = list(given.get("thresholds") or []) + [str(t) for t in written.get("thresholds") or []]
        plan.thresholds = [parse_threshold(t) for t in texts]
        if not 1 <= plan.users <= MAX_USERS:
            raise PlanError(f"--users is 1 to {MAX_USERS}, not {plan.users}")
        if not 0 < plan.spawn_rate <= MAX_SPAWN_RATE:
            raise PlanError(f"--spawn-rate is above 0 and at most {MAX_SPAWN_RATE:g} users a second")
        if not 0 < plan.duration <= MAX_DURATION:
            raise PlanError("--duration is above 0 and at most 24h")
        if not 0 <= plan.processes <= MAX_PROCESSES:
            raise PlanError(f"--processes is 0 to {MAX_PROCESSES}")
        return plan

    def bounded_by(self, typed: dict[str, Any]) -> list[str]:
        """What a document asks beyond what the user typed (never only a document's word for the size of a
        run): users, spawn rate and duration above the command line's, or any when none was typed."""
        said = []
        if typed.get("users") is None and self.users > 50:
            said.append(f"the document asks for {self.users} users: pass --users to confirm")
        if typed.get("duration") is None and self.duration > 300:
            said.append(f"the document asks for {self.duration:g}s: pass --duration to confirm")
        return said


def hosts(requests: list[Request], scope_of: Callable[[Request], Scope]) -> set[str]:
    """The hosts the requests go to, their targets expanded (`http://h:p/...`, or a gRPC `h:p`); a target that
    cannot be expanded yet is left out (it is refused when sent)."""
    found = set()
    for request in requests:
        if request.target is None:
            continue
        try:
            url = expand(request.target.text, scope_of(request)).strip()
        except VoidenError:
            continue
        host = urlsplit(url if "://" in url else f"//{url}").hostname
        if host:
            found.add(host)
    return found
