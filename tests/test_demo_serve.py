"""`voiden demo --serve`: the demo servers keep running and the examples' environment names them."""

from __future__ import annotations

import os
import selectors
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import junitparser

from tests.helpers import voiden
from voiden_lsp.demo.serve import set_environment
from voiden_lsp.document import parse

ROOT = Path(__file__).resolve().parents[1]


def test_set_environment_replaces_and_adds_and_keeps_the_rest() -> None:
    text = (
        '# top\ndefault_env = "local"\n\n[env.local]\nbase_url = "http://127.0.0.1:8080"  # old\nuser = "ada"\n'
        '\n[env.x]\nbase_url = "y"\n'
    )
    updated = set_environment(text, "local", {"base_url": "http://127.0.0.1:9", "ws_url": "ws://127.0.0.1:7"})
    assert updated == (
        '# top\ndefault_env = "local"\n\n[env.local]\nbase_url = "http://127.0.0.1:9"\nuser = "ada"\n'
        'ws_url = "ws://127.0.0.1:7"\n\n[env.x]\nbase_url = "y"\n'
    )
    assert set_environment("", "local", {"a": "1"}) == '\n\n[env.local]\na = "1"'


def test_the_examples_run_against_the_served_demo(tmp_path: Path) -> None:
    examples = tmp_path / "examples"
    shutil.copytree(ROOT / "examples", examples)
    holders = []
    for port in (8080, 50051):  # the preferred HTTP and gRPC ports taken: the servers take others, and the
        holder = socket.socket()  # environment follows them
        holders.append(holder)
        try:
            holder.bind(("127.0.0.1", port))
            holder.listen()
        except OSError:
            pass  # taken already, which is the same case
    serving = subprocess.Popen(
        [sys.executable, "-m", "voiden_lsp.cli", "demo", "--serve", "--examples", str(examples)],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env={**os.environ, "NO_COLOR": "1"},
    )
    try:
        assert serving.stdout is not None
        selector = selectors.DefaultSelector()
        selector.register(serving.stdout, selectors.EVENT_READ)
        seen = b""
        deadline = time.monotonic() + 60
        while b"serving the demo" not in seen and time.monotonic() < deadline:
            if selector.select(timeout=1):
                seen += os.read(serving.stdout.fileno(), 4096)
        assert b"serving the demo" in seen, seen
        config = (examples / "voiden.toml").read_text(encoding="utf-8")
        assert 'base_url = "http://127.0.0.1:8080"' not in config and "wrote the servers' addresses" in seen.decode()
        assert 'grpc_addr = "127.0.0.1:50051"' not in config, config
        for example in (
            "01-rest-basics.voiden",
            "04-grpc-route-guide.voiden",
            "05-websocket.voiden",
            "08-graphql.voiden",
        ):
            ran = voiden("run", str(examples / example), cwd=tmp_path)
            assert ran.returncode == 0, ran.stdout + ran.stderr
        # the CI job of the README: the secret in .env, then every example as a test, with a JUnit report
        shutil.copy(examples / ".env.example", examples / ".env")
        tested = voiden("test", "examples", "--jobs", "2", "--report", "junit:report.xml", cwd=tmp_path)
        assert tested.returncode == 0, tested.stdout + tested.stderr
        report = junitparser.JUnitXml.fromfile(str(tmp_path / "report.xml"))
        requests = sum(len(parse(p.read_text()).requests) for p in examples.glob("*.voiden"))
        assert (report.tests, report.failures, report.errors) == (requests, 0, 0)
        documents = len(list(examples.glob("*.voiden")))
        assert tested.stdout.splitlines()[-1].startswith(f"{requests} passed, 0 failed ({documents} documents, ")
        endless = next(c for s in report for c in s if c.name == "endless-ticker")
        assert endless.is_passed and float(endless.time) < 10  # its expectations ended it, not the server
        serving.send_signal(signal.SIGINT)
        assert serving.wait(timeout=10) == 0
    finally:
        for holder in holders:
            holder.close()
        if serving.poll() is None:
            serving.kill()
            serving.wait()


def test_serving_an_installed_packages_examples_copies_them_first(tmp_path: Path, monkeypatch: Any) -> None:
    """`--serve` writes addresses into voiden.toml: never into site-packages, into ./voiden-examples (once)."""
    from voiden_lsp.cli import demo as cli

    packaged = tmp_path / "site-packages" / "voiden_lsp" / "examples"
    shutil.copytree(Path(__file__).resolve().parents[1] / "examples", packaged)
    monkeypatch.setattr(cli, "PACKAGED_EXAMPLES", packaged)
    work = tmp_path / "work"
    work.mkdir()
    monkeypatch.chdir(work)
    served = cli.editable_examples(packaged)
    assert served == work / "voiden-examples"
    assert sorted(p.name for p in served.glob("*.voiden")) == sorted(p.name for p in packaged.glob("*.voiden"))
    (served / "voiden.toml").write_text("# mine\n", encoding="utf-8")
    assert cli.editable_examples(packaged) == served  # the user's copy is kept as it is
    assert (served / "voiden.toml").read_text(encoding="utf-8") == "# mine\n"
    other = tmp_path / "mine"
    assert cli.editable_examples(other) == other  # a folder of the user's is served where it is
