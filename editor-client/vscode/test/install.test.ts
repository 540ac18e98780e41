import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import * as path from "node:path";
import { test } from "node:test";
import { type InstallHost, InstallError, bundledWheel, choosePython, ensureServer, pythonCandidates } from "../src/install";

function host(): InstallHost & { lines: string[]; steps: string[] } {
  const lines: string[] = [];
  const steps: string[] = [];
  return { lines, steps, log: (line) => lines.push(line), progress: (message) => steps.push(message) };
}

/** A stand-in interpreter: a shell script that answers the probe as `version` would, and fails `fails`. */
function fakePython(folder: string, name: string, version: string, exitCode: number): string {
  const file = path.join(folder, name);
  writeFileSync(file, `#!/bin/sh\necho ${version}\nexit ${exitCode}\n`);
  chmodSync(file, 0o755);
  return file;
}

/** A wheel of a tiny voiden_lsp with no dependencies (pip installs it offline), built by the real Python. */
function tinyWheel(folder: string, version: string, marker: string): string {
  const name = `voiden_lsp-${version}-py3-none-any.whl`;
  const file = path.join(folder, name);
  const script = `
import sys, zipfile
path, version, marker = sys.argv[1:]
info = f"voiden_lsp-{version}.dist-info"
files = {
    "voiden_lsp/__init__.py": f"MARK = {marker!r}\\n",
    "voiden_lsp/server.py": "",
    f"{info}/METADATA": f"Metadata-Version: 2.1\\nName: voiden-lsp\\nVersion: {version}\\n",
    f"{info}/WHEEL": "Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n",
}
with zipfile.ZipFile(path, "w") as z:
    for n, t in files.items():
        z.writestr(n, t)
    z.writestr(f"{info}/RECORD", "".join(f"{n},,\\n" for n in files) + f"{info}/RECORD,,\\n")
`;
  execFileSync("python3", ["-c", script, file, version, marker]);
  return file;
}

test("the Python extension's interpreter is tried first, then the usual names", () => {
  assert.deepEqual(pythonCandidates(["/opt/py/bin/python"], "linux")[0], ["/opt/py/bin/python"]);
  assert.deepEqual(pythonCandidates(undefined, "linux")[0], ["python3"]);
  assert.deepEqual(pythonCandidates([], "win32")[0], ["py", "-3"]);
});

test("a Python older than 3.11, or one without venv, is passed over and named in the message", async () => {
  const folder = mkdtempSync(path.join(tmpdir(), "voiden-py-"));
  const old = fakePython(folder, "python3.9", "3.9", 0);
  const noVenv = fakePython(folder, "python3.12", "3.12", 1);
  const chosen = await choosePython([[old], [noVenv], ["python3"]], folder, host());
  assert.deepEqual(chosen.argv, ["python3"]);
  assert.match(chosen.version, /^3\.(1[1-9]|[2-9]\d)$/);
  await assert.rejects(
    choosePython([[old], [noVenv], [path.join(folder, "missing")]], folder, host()),
    (error: unknown) => {
      assert.ok(error instanceof InstallError);
      assert.match(error.message, /needs Python 3\.11 or newer/);
      assert.match(error.message, /python3\.9 is Python 3\.9/);
      assert.match(error.message, /python3\.12 \(Python 3\.12\) has no venv module \(Debian and Ubuntu: install python3-venv\)/);
      assert.match(error.message, /missing: not found/);
      assert.match(error.message, /voiden\.server\.command/);
      return true;
    },
  );
});

test("the bundled wheel is installed once into a private environment; a new wheel replaces it", async () => {
  const extension = mkdtempSync(path.join(tmpdir(), "voiden-ext-"));
  const storage = mkdtempSync(path.join(tmpdir(), "voiden-storage-"));
  execFileSync("mkdir", ["-p", path.join(extension, "bundled")]);
  const first = tinyWheel(path.join(extension, "bundled"), "1.0.0", "first");
  const wheel = bundledWheel(extension);
  assert.ok(wheel !== undefined && wheel.version === "1.0.0" && wheel.path === first);

  const installing = host();
  const python = await ensureServer(storage, wheel, [["python3"]], installing);
  assert.equal(execFileSync(python, ["-c", "import voiden_lsp; print(voiden_lsp.MARK)"]).toString().trim(), "first");
  assert.ok(installing.steps.some((step) => step.startsWith("creating a Python 3.")));
  assert.ok(installing.steps.some((step) => /Successfully installed voiden-lsp-1\.0\.0/.test(step)), installing.steps.join("\n"));

  const again = host(); // the next start: nothing to do
  assert.equal(await ensureServer(storage, wheel, [["python3"]], again), python);
  assert.deepEqual(again.steps, []);

  execFileSync("rm", [first]); // an update brings a newer wheel
  tinyWheel(path.join(extension, "bundled"), "1.1.0", "second");
  const newer = bundledWheel(extension);
  assert.ok(newer !== undefined);
  const replaced = await ensureServer(storage, newer, [["python3"]], host());
  assert.notEqual(replaced, python);
  assert.equal(execFileSync(replaced, ["-c", "import voiden_lsp; print(voiden_lsp.MARK)"]).toString().trim(), "second");
  assert.deepEqual(readdirSync(path.join(storage, "server")), [path.basename(path.dirname(path.dirname(replaced)))]);
  assert.ok(!existsSync(python));
});

test("a Python that cannot make the environment stops with words, and leaves nothing ready", async () => {
  const extension = mkdtempSync(path.join(tmpdir(), "voiden-ext-"));
  const storage = mkdtempSync(path.join(tmpdir(), "voiden-storage-"));
  execFileSync("mkdir", ["-p", path.join(extension, "bundled")]);
  tinyWheel(path.join(extension, "bundled"), "1.0.0", "x");
  const wheel = bundledWheel(extension);
  assert.ok(wheel !== undefined);
  // answers the probe as a good Python, then fails at `-m venv`
  const broken = path.join(storage, "python3.13");
  writeFileSync(broken, '#!/bin/sh\nfor a; do [ "$a" = venv ] && { echo "ensurepip is not available" >&2; exit 1; }; done\necho 3.13\n');
  chmodSync(broken, 0o755);
  await assert.rejects(ensureServer(storage, wheel, [[broken]], host()), /could not create a Python environment .*ensurepip is not available.*python3-venv/);
  await assert.rejects(ensureServer(storage, wheel, [[broken]], host()), InstallError); // tried again, not taken as ready
});
