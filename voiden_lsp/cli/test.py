"""`voiden test [PATH...]`: every document's requests judged on their expectations, for CI (the running is
`sessions.suite`'s; the printing and the reports are here).

A request is a test case: it passes when each of its expectations is met and nothing failed that no
expectation was about (a request without expectations passes when it completes). Documents run one after
another, or `--jobs N` at a time; a document's requests always run in order (later ones may use earlier
responses). Results are built from the sessions' own events, so secrets are masked in them as everywhere.
Reports: JUnit XML (a testsuite per document, a testcase per request, a failure per failed expectation)
and JSON."""

from __future__ import annotations

import asyncio
import json
import os
import re
import sys
import time
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from voiden_lsp.cli.output import Style
from voiden_lsp.sessions.suite import Suite, find_documents, run_suite

REPORT_KINDS = ("junit", "json")


async def run_all(
    documents: Sequence[Path],
    *,
    env: str | None,
    overrides: dict[str, str],
    jobs: int,
    out: IO[str],
    style: Style,
    update_snapshots: bool = False,
) -> list[Suite]:
    """Each document's suite, printed as it finishes (in order when `jobs` is 1)."""
    gate = asyncio.Semaphore(max(jobs, 1))

    async def one(path: Path) -> Suite:
        async with gate:
            suite = await run_suite(path, env=env, overrides=overrides, update_snapshots=update_snapshots)
        print_suite(suite, out, style)
        return suite

    return list(await asyncio.gather(*(one(p) for p in documents)))


def print_suite(suite: Suite, out: IO[str], style: Style) -> None:
    if not suite.cases and suite.problem is None:
        return
    out.write(style(suite.shown, "1") + "\n")
    if suite.problem is not None:
        out.write(f"  {style('✘', '31')} {suite.problem}\n")
    for case in suite.cases:
        mark = style("✔", "32") if case.passed else style("✘", "31")
        tally = f"{sum(c.passed for c in case.checks)}/{len(case.checks)} expectations, " if case.checks else ""
        out.write(f"  {mark} {case.name}  {style(f'({tally}{_ms(case.seconds)})', '2')}\n")
        for check in case.checks:
            if not check.passed:  # a snapshot's diff follows its first line
                first, *diff = check.message.split("\n")
                out.write(f"      {style('✘', '31')} {first}  {style(f'line {check.line}', '2')}\n")
                for line in diff:
                    colour = "32" if line.startswith("+") else "31" if line.startswith("-") else "2"
                    out.write(f"        {style(line, colour)}\n")
        if not case.passed and not any(not c.passed for c in case.checks):
            out.write(f"      {style('✘', '31')} {case.failure}\n")
    out.flush()


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def summary(suites: Sequence[Suite], seconds: float) -> tuple[int, int, str]:
    passed = sum(c.passed for s in suites for c in s.cases)
    failed = sum(s.failed for s in suites)
    documents = sum(1 for s in suites if s.cases or s.problem)
    plural = "" if documents == 1 else "s"
    return passed, failed, f"{passed} passed, {failed} failed ({documents} document{plural}, {_ms(seconds)})"


# Reports -------------------------------------------------------------------------------------------------

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def _xml_text(value: Any) -> str:
    """Text XML 1.0 can carry: a body's control characters (or lone surrogates) as `\\xNN` escapes."""
    return _NOT_XML.sub(lambda m: ascii(m.group())[1:-1], str(value))


def junit(suites: Sequence[Suite]) -> str:
    """JUnit XML as CI servers read it (the Ant schema's elements, with `file` and `line` as GitHub Actions
    reporters use them)."""
    root = ET.Element("testsuites", name="voiden")
    totals = {"tests": 0, "failures": 0, "errors": 0}
    for suite in suites:
        if not suite.cases and suite.problem is None:
            continue
        errors = int(suite.problem is not None) + sum(
            1 for c in suite.cases if not c.passed and not any(not k.passed for k in c.checks)
        )
        failures = sum(1 for c in suite.cases if any(not k.passed for k in c.checks))
        tests = len(suite.cases) + int(suite.problem is not None)
        element = ET.SubElement(
            root,
            "testsuite",
            name=_xml_text(suite.shown),
            tests=str(tests),
            failures=str(failures),
            errors=str(errors),
            skipped="0",
            time=f"{suite.seconds:.3f}",
            timestamp=suite.started.strftime("%Y-%m-%dT%H:%M:%S"),
            file=_xml_text(suite.shown),
        )
        if suite.problem is not None:
            case = ET.SubElement(element, "testcase", name="(document)", classname=_xml_text(suite.shown), time="0")
            ET.SubElement(case, "error", message=_xml_text(suite.problem), type="document").text = _xml_text(
                suite.problem
            )
        for c in suite.cases:
            case = ET.SubElement(
                element,
                "testcase",
                name=_xml_text(c.name),
                classname=_xml_text(suite.shown),
                file=_xml_text(suite.shown),
                line=str(c.line),
                time=f"{c.seconds:.3f}",
            )
            failed = [k for k in c.checks if not k.passed]
            for k in failed:
                detail = f"{suite.shown}:{k.line}: {k.text}\n{k.message}"
                if k.actual is not None:
                    detail += f"\nexpected: {_json(k.expected)}\nactual: {_json(k.actual)}"
                ET.SubElement(
                    case, "failure", message=_xml_text(f"line {k.line}: {k.message}"), type="expectation"
                ).text = _xml_text(detail)
            if c.failure is not None and not failed:
                ET.SubElement(case, "error", message=_xml_text(c.failure), type="request").text = _xml_text(c.failure)
        totals["tests"] += tests
        totals["failures"] += failures
        totals["errors"] += errors
    for name, value in totals.items():
        root.set(name, str(value))
    root.set("time", f"{sum(s.seconds for s in suites):.3f}")
    ET.indent(root)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def json_report(suites: Sequence[Suite]) -> str:
    passed = sum(c.passed for s in suites for c in s.cases)
    failed = sum(s.failed for s in suites)
    documents = [
        {
            "path": s.shown,
            "problem": s.problem,
            "seconds": round(s.seconds, 3),
            "requests": [
                {
                    "name": c.name,
                    "line": c.line,
                    "passed": c.passed,
                    "failure": c.failure,
                    "seconds": round(c.seconds, 3),
                    "checks": [k.__dict__ for k in c.checks],
                }
                for c in s.cases
            ],
        }
        for s in suites
        if s.cases or s.problem
    ]
    return json.dumps({"passed": passed, "failed": failed, "documents": documents}, indent=2, default=str) + "\n"


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)


def parse_report(spec: str) -> tuple[str, Path]:
    """`junit:FILE` / `json:FILE`; a ValueError says what is wrong."""
    kind, colon, file = spec.partition(":")
    if not colon or kind not in REPORT_KINDS or not file:
        raise ValueError(f"--report takes junit:FILE or json:FILE, not `{spec}`")
    return kind, Path(file)


def write_reports(reports: Sequence[tuple[str, Path]], suites: Sequence[Suite]) -> str | None:
    """Writes each report; the error in words when one cannot be written."""
    for kind, file in reports:
        text = junit(suites) if kind == "junit" else json_report(suites)
        try:
            file.parent.mkdir(parents=True, exist_ok=True)
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            return f"cannot write the {kind} report {file}: {exc.strerror or exc}"
    return None


def run_tests(
    paths: Sequence[Path],
    *,
    env: str | None,
    overrides: dict[str, str],
    jobs: int,
    reports: Sequence[str],
    colour: bool | None,
    update_snapshots: bool = False,
) -> int:
    """The whole command: 0 when every request passed, 1 when one failed, 2 for bad usage."""
    out = sys.stdout
    style = Style(out.isatty() and "NO_COLOR" not in os.environ if colour is None else colour)
    try:
        parsed = [parse_report(r) for r in reports]
    except ValueError as exc:
        print(f"voiden: {exc}", file=sys.stderr)
        return 2
    if jobs < 1:
        print(f"voiden: --jobs takes a number of documents of 1 or more, not {jobs}", file=sys.stderr)
        return 2
    documents, missing = find_documents(paths or [Path(".")])
    if missing:
        print(f"voiden: no such file or folder: {', '.join(missing)}", file=sys.stderr)
        return 2
    begun = time.perf_counter()
    suites = asyncio.run(
        run_all(
            documents, env=env, overrides=overrides, jobs=jobs, out=out, style=style, update_snapshots=update_snapshots
        )
    )
    passed, failed, line = summary(suites, time.perf_counter() - begun)
    if passed + failed == 0:
        where = ", ".join(str(p) for p in paths) or "."
        print(f"voiden: no requests to test under {where} (.voiden and .void documents)", file=sys.stderr)
        return 2
    out.write(("\n" if documents else "") + style(line, "31" if failed else "32") + "\n")
    problem = write_reports(parsed, suites)
    if problem is not None:
        print(f"voiden: {problem}", file=sys.stderr)
        return 2
    return 1 if failed else 0
