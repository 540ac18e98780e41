import assert from "node:assert/strict";
import { test } from "node:test";
import { cliLaunch, isPython, mcpCommand, missingServerMessage, serverLaunch, serverSettings } from "../src/settings";

test("the setting wins; a Python in it runs the module", () => {
  assert.deepEqual(serverLaunch({ command: "/opt/bin/voiden-lsp", args: ["--log-level", "INFO"] }, ["/usr/bin/python3.12"]), {
    command: "/opt/bin/voiden-lsp",
    args: ["--log-level", "INFO"],
    source: "setting",
    python: false,
  });
  assert.deepEqual(serverLaunch({ command: "/home/me/.venv/bin/python", args: [] }, undefined).args, ["-P", "-m", "voiden_lsp.server"]);
});

test("with no setting, the bundled server's environment comes before any other Python", () => {
  const bundled = serverLaunch({ command: "", args: ["--log-level", "DEBUG"] }, ["/usr/bin/python3.12"], "/store/server/0.1.0-ab/bin/python");
  assert.deepEqual(bundled, {
    command: "/store/server/0.1.0-ab/bin/python",
    args: ["-P", "-m", "voiden_lsp.server", "--log-level", "DEBUG"],
    source: "bundled",
    python: true,
  });
  assert.equal(serverLaunch({ command: "/opt/voiden-lsp", args: [] }, undefined, "/store/bin/python").source, "setting");
  assert.match(missingServerMessage(bundled, "boom"), /Restart the language server" to install it again.*boom/);
});

test("else the Python extension's interpreter (with its own prefix words), else python3", () => {
  const fromExtension = serverLaunch({ command: " ", args: [] }, ["conda", "run", "-n", "api", "python"]);
  assert.deepEqual([fromExtension.command, fromExtension.args, fromExtension.source], [
    "conda",
    ["run", "-n", "api", "python", "-P", "-m", "voiden_lsp.server"],
    "python-extension",
  ]);
  const fallback = serverLaunch({ command: "", args: [] }, []);
  assert.deepEqual([fallback.command, fallback.args, fallback.source], ["python3", ["-P", "-m", "voiden_lsp.server"], "python3"]);
});

test("python detection and the words shown when the server is missing", () => {
  assert.ok(isPython("python3") && isPython("C:\\Py\\python.exe") && isPython("/usr/bin/python3.11"));
  assert.ok(!isPython("voiden-lsp") && !isPython("/usr/bin/pythonista"));
  const message = missingServerMessage(serverLaunch({ command: "", args: [] }, undefined), "No module named 'voiden_lsp'");
  assert.match(message, /not installed for python3 \(the python3 on PATH\)/);
  assert.match(message, /python3 -m pip install \/path\/to\/voiden-lsp/);
  assert.doesNotMatch(message, /pip install voiden-lsp/);
  assert.match(message, /voiden\.server\.command/);
});

test("the server's settings carry the workspace's trust and only meaningful values", () => {
  assert.deepEqual(serverSettings({ env: "staging", maxPayload: 1024 }, false), { trusted: false, env: "staging", maxPayload: 1024 });
  assert.deepEqual(serverSettings({ env: "", maxPayload: 0 }, true), { trusted: true });
  assert.deepEqual(serverSettings({ env: null }, true), { trusted: true });
});

test("the voiden command line runs the way the server does: the same Python, or the program beside it", () => {
  const bundled = serverLaunch({ command: "", args: ["--log-level", "DEBUG"] }, undefined, "/store/bin/python");
  assert.deepEqual(cliLaunch(bundled), { command: "/store/bin/python", args: ["-P", "-m", "voiden_lsp.cli"] });
  const program = serverLaunch({ command: "/opt/venv/bin/voiden-lsp", args: [] }, undefined);
  assert.deepEqual(cliLaunch(program), { command: "/opt/venv/bin/voiden", args: [] });
  assert.equal(cliLaunch(serverLaunch({ command: "/usr/bin/other-server", args: [] }, undefined)), undefined);
});

test("voiden mcp runs beside the language server, read-only unless asked", () => {
  const bundled = serverLaunch({ command: "", args: [] }, undefined, "/store/bin/python");
  assert.deepEqual(mcpCommand(bundled, "/work/api", false), {
    command: "/store/bin/python",
    args: ["-P", "-m", "voiden_lsp.cli", "mcp", "--root", "/work/api"],
  });
  assert.deepEqual(mcpCommand(bundled, "/work/api", true)?.args.at(-1), "--allow-run");
  assert.equal(mcpCommand(undefined, "/work/api", true), undefined);
});
