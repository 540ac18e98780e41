"""The smaller defects of the safety review, each with its test."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from voiden_lsp.demo.http_server import DemoHttpServer


def test_a_reader_that_leaves_ends_voiden_run_quietly(http_server: DemoHttpServer, tmp_path: Path) -> None:
    doc = tmp_path / "many.voiden"
    doc.write_text("".join(f"```http name=r{i}\nGET {http_server.url}/echo?i={i}\n```\n" for i in range(200)))
    for extra in ("--json", "--no-color"):
        shell = f"{sys.executable} -m voiden_lsp.cli run {extra} {doc} | head -c 100 > /dev/null"
        result = subprocess.run(
            ["bash", "-o", "pipefail", "-c", shell], capture_output=True, text=True, timeout=60, env={**os.environ}
        )
        assert "Traceback" not in result.stderr and "BrokenPipe" not in result.stderr, result.stderr[-2000:]
        assert result.stderr == ""
