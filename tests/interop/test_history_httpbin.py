"""History and diff on a third-party server's answer: httpbin's /uuid is new at every call, /anything echoes."""

from __future__ import annotations

import json
from pathlib import Path

from tests.helpers import voiden
from tests.interop.conftest import Reference


def test_two_runs_of_httpbin_differ_where_httpbin_does(httpbin: Reference, tmp_path: Path) -> None:
    doc = tmp_path / "httpbin.voiden"
    doc.write_text(
        f"```http name=uuid\nGET http://{httpbin.address}/uuid\n```\n\n"
        f"```http name=anything\nGET http://{httpbin.address}/anything?q=1\n```\n",
        encoding="utf-8",
    )
    env = {"VOIDEN_HISTORY_DIR": str(tmp_path / "state")}
    for _ in range(2):
        assert voiden("run", str(doc), env=env).returncode == 0
    changed = voiden("diff", str(doc), "uuid", env=env)
    lines = changed.stdout.splitlines()
    assert changed.returncode == 1, changed.stdout + changed.stderr
    removed = [line for line in lines if line.startswith('-  "uuid": ')]
    added = [line for line in lines if line.startswith('+  "uuid": ')]
    assert len(removed) == 1 and len(added) == 1 and removed[0][1:] != added[0][1:]
    ignored = voiden("diff", str(doc), "uuid", "--ignore", "uuid", "--ignore", "headers.date", env=env)
    assert ignored.returncode == 0, ignored.stdout
    same = voiden("diff", str(doc), "anything", "--ignore", "headers.date", env=env)
    assert same.returncode == 0 and same.stdout.startswith("the same"), same.stdout
    print(changed.stdout)  # the note quotes it


def test_a_snapshot_of_httpbin_holds_until_httpbin_answers_otherwise(httpbin: Reference, tmp_path: Path) -> None:
    """httpbin's /json is the same at every call, /uuid is not: a snapshot of the first passes again, one of the
    second fails with the two uuids in its diff unless the uuid is ignored."""
    doc = tmp_path / "httpbin.voiden"
    doc.write_text(
        f"```http name=slideshow\nGET http://{httpbin.address}/json\n```\n\n```expect\nbody matches snapshot\n```\n\n"
        f"```http name=uuid\nGET http://{httpbin.address}/uuid\n```\n\n"
        "```expect\nbody matches snapshot\n```\n\n"
        f"```http name=uuid-ignored\nGET http://{httpbin.address}/uuid\n```\n\n"
        "```expect\nbody matches snapshot ignoring uuid\n```\n",
        encoding="utf-8",
    )
    first = voiden("test", str(doc), "--no-color")
    assert first.returncode == 0, first.stdout + first.stderr
    stored = json.loads((tmp_path / "__snapshots__" / "httpbin.voiden.json").read_text(encoding="utf-8"))
    assert stored["slideshow"]["body"]["slideshow"]["title"] == "Sample Slide Show"
    assert stored["uuid-ignored"]["body"] == {}
    second = voiden("test", str(doc), "--no-color")
    assert second.returncode == 1
    assert "✔ slideshow" in second.stdout and "✔ uuid-ignored" in second.stdout and "✘ uuid" in second.stdout
    removed = [line.strip() for line in second.stdout.splitlines() if line.strip().startswith('-  "uuid": ')]
    added = [line.strip() for line in second.stdout.splitlines() if line.strip().startswith('+  "uuid": ')]
    assert len(removed) == len(added) == 1 and removed[0][1:] != added[0][1:], second.stdout
    print(second.stdout)  # the note quotes it
