"""`voiden test`: documents found under paths, requests judged in order, the closing tally and exit status,
and the JUnit report read back by junitparser (a reader nobody here wrote) to the right counts."""

from __future__ import annotations

import json
from pathlib import Path

import junitparser

from tests.helpers import voiden
from voiden_lsp.cli.test import junit
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.sessions.suite import find_documents

PASSING = """# Health

```http name=health
GET {{base}}/health
```

```expect
status == 200
body.status == ok
```

```http name=create
POST {{base}}/users

{"name": "Ada"}
```

```expect
status == 201
body.name == {{health.response.body.status}}
```
"""


def collection(root: Path, base: str) -> Path:
    (root / "api").mkdir(parents=True)
    (root / "api" / "health.voiden").write_text(PASSING.replace("{{base}}", base))
    (root / "api" / "broken.voiden").write_text(
        f"```http name=refused\nGET http://127.0.0.1:1/\n```\n\n```http name=down\nGET {base}/health\n```\n\n"
        "```expect\nstatus == 200\nbody.status == down\nheader x-nothing exists\n```\n"
    )
    (root / "notes.md").write_text("```http name=not-a-document\nGET http://127.0.0.1:1/\n```\n")
    (root / "node_modules" / "x").mkdir(parents=True)
    (root / "node_modules" / "x" / "skip.voiden").write_text("```http\nGET http://127.0.0.1:1/\n```\n")
    return root


def test_documents_are_found_under_folders_skipping_tooling(tmp_path: Path) -> None:
    collection(tmp_path, "http://127.0.0.1:9")
    found, missing = find_documents([tmp_path, tmp_path / "api" / "health.voiden", tmp_path / "nope"])
    assert [p.name for p in found] == ["broken.voiden", "health.voiden"]
    assert missing == [str(tmp_path / "nope")]


def test_a_collection_with_reports(http_server: DemoHttpServer, tmp_path: Path) -> None:
    # "create" expects the name "ok": the health response's status, so it fails with what came instead
    root = collection(tmp_path / "repo", http_server.url)
    result = voiden("test", "--report", "junit:out/report.xml", "--report", "json:out/report.json", cwd=root)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[-1].startswith("1 passed, 3 failed (2 documents, ")
    assert "  ✘ refused  " in result.stdout and "connection refused" in result.stdout
    assert '      ✘ expected body.status == down, got body.status = "ok"  line 11' in lines
    assert '      ✘ expected body.name == {{health.response.body.status}}, got body.name = "Ada"  line 20' in lines

    report = junitparser.JUnitXml.fromfile(str(root / "out" / "report.xml"))
    suites = {s.name: s for s in report}
    assert set(suites) == {"api/broken.voiden", "api/health.voiden"}
    broken, health = suites["api/broken.voiden"], suites["api/health.voiden"]
    assert (broken.tests, broken.failures, broken.errors) == (2, 1, 1)
    assert (health.tests, health.failures, health.errors) == (2, 1, 0)
    cases = {c.name: c for c in broken}
    failures = [r for r in cases["down"].result if isinstance(r, junitparser.Failure)]
    assert [f.message.split(":")[0] for f in failures] == ["line 11", "line 12"]
    assert isinstance(cases["refused"].result[0], junitparser.Error)
    assert {c.name: c.is_passed for c in health} == {"health": True, "create": False}
    assert report.tests == 4 and report.failures == 2 and report.errors == 1

    data = json.loads((root / "out" / "report.json").read_text())
    assert (data["passed"], data["failed"]) == (1, 3)
    down = next(r for d in data["documents"] for r in d["requests"] if r["name"] == "down")
    assert [c["passed"] for c in down["checks"]] == [True, False, False]
    assert down["checks"][1]["actual"] == "ok" and down["checks"][1]["line"] == 11


def test_all_passing_exits_0_and_jobs_run_documents_at_once(http_server: DemoHttpServer, tmp_path: Path) -> None:
    for n in range(4):
        (tmp_path / f"d{n}.voiden").write_text(
            PASSING.replace("{{base}}", http_server.url).replace("== {{health.response.body.status}}", "== Ada")
        )
    result = voiden("test", "--jobs", "3", str(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.splitlines()[-1].startswith("8 passed, 0 failed (4 documents, ")


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    assert voiden("test", str(tmp_path / "missing")).returncode == 2
    empty = voiden("test", str(tmp_path))
    assert empty.returncode == 2 and "no requests to test" in empty.stderr
    (tmp_path / "a.voiden").write_text("```http\nGET http://127.0.0.1:1/\n```\n")
    bad = voiden("test", "--report", "xml:out.xml", str(tmp_path))
    assert bad.returncode == 2 and "junit:FILE or json:FILE" in bad.stderr


def test_the_junit_report_is_valid_xml_whatever_a_body_holds() -> None:
    from voiden_lsp.sessions.suite import Case, Check, Suite

    suite = Suite(Path("x.voiden"), "x.voiden")
    suite.cases.append(
        Case(
            "c\x00",
            1,
            checks=[Check(3, "body == a", False, 'expected body == a, got body = "\x01\ud800<&>"', "a", "\x01")],
        )
    )
    suite.cases[0].failure = "1 of 1 expectations failed"
    text = junit([suite])
    parsed = junitparser.JUnitXml.fromstring(text.encode())
    (case,) = list(next(iter(parsed)))
    assert case.name == "c\\x00" and "\\x01\\ud800<&>" in case.result[0].message
