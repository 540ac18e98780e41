"""Real Emacs with eglot (Debian's elpa-eglot), headless (`emacs --batch`), over editor-client/emacs/voiden.el:
a diagnostic through Flymake, gRPC methods from reflection through completion-at-point, and a code action
that sends a request. scripts/test installs Emacs; with VOIDEN_REQUIRE_EMACS=1 a missing one fails the test."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer

ROOT = Path(__file__).resolve().parents[2]
DRIVER = Path(__file__).with_name("emacs_driver.el")
SERVER = Path(sys.executable).with_name("voiden-lsp")

DOCUMENT = """# Emacs

```grpc name=get
@timout 5s
grpc://{grpc} routeguide.RouteGuide/
```

```http name=ping
GET {http}/health
```
"""


def emacs_with_eglot() -> str | None:
    emacs = shutil.which("emacs")
    if emacs is None:
        return None
    probe = subprocess.run([emacs, "--batch", "--eval", "(require 'eglot)"], capture_output=True, timeout=60)
    return emacs if probe.returncode == 0 else None


def test_emacs_eglot_diagnostic_reflection_completion_and_a_code_action_that_sends(tmp_path: Path) -> None:
    emacs = emacs_with_eglot()
    if emacs is None:
        if os.environ.get("VOIDEN_REQUIRE_EMACS"):
            pytest.fail("Emacs with eglot is missing (apt-get install emacs-nox elpa-eglot)")
        pytest.skip("Emacs with eglot is not installed")
    with DemoGrpcServer() as grpc_server, DemoHttpServer() as http:
        doc = tmp_path / "emacs.voiden"
        doc.write_text(DOCUMENT.format(grpc=grpc_server.address, http=http.url), encoding="utf-8")
        out = tmp_path / "out.json"
        run = subprocess.run(
            [emacs, "--batch", "-L", str(ROOT / "editor-client" / "emacs"), "-l", str(DRIVER)],
            env={**os.environ, "VOIDEN_LSP": str(SERVER), "VOIDEN_DOC": str(doc), "VOIDEN_OUT": str(out)},
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=100,
        )
        assert run.returncode == 0 and out.exists(), run.stderr[-4000:]
    seen = json.loads(out.read_text(encoding="utf-8"))
    assert seen["mode"] == "voiden-mode"
    assert any("@timeout" in text for text in seen["diagnostics"]), seen["diagnostics"]
    methods = {c.rsplit("/", 1)[1] for c in seen["completions"]}
    assert {"GetFeature", "ListFeatures", "RecordRoute", "RouteChat"} <= methods, seen["completions"]
    assert any(title.startswith("Send") for title in seen["actions"]), seen["actions"]
    events = seen["events"].splitlines()
    assert any(line.startswith("ping status") and "code=200" in line for line in events), events
    assert any(line.startswith("ping closed") for line in events), events
    assert seen["copied"] == f"curl \\\n  -L \\\n  {http.url}/health\n", seen["copied"]  # the kill ring
