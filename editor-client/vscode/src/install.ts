// The server the .vsix carries: its voiden_lsp wheel, installed on first start into a private virtual
// environment in the extension's storage, as Microsoft's Python tool extensions do. No vscode import: the
// unit tests drive it with real Pythons.

import { spawn } from "node:child_process";
import { createHash } from "node:crypto";
import { promises as fs, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";

export interface BundledWheel {
  path: string;
  version: string;
  /** the wheel's own hash: a rebuilt wheel of the same version is a new environment too */
  digest: string;
}

export interface InstallHost {
  log(line: string): void;
  /** a short line for the progress notification */
  progress(message: string): void;
}

/** A failure the user can act on: the message says what to do. */
export class InstallError extends Error {}

const MINIMUM: [number, number] = [3, 11];
const READY = "voiden-ready.json";
const LOCK = ".lock";
const STALE_LOCK_MS = 15 * 60_000;
const PIP_TIMEOUT_MS = 15 * 60_000;

/** The wheel in `<extension>/bundled/`, if this build carries one (a development build may not). */
export function bundledWheel(extensionPath: string): BundledWheel | undefined {
  const folder = path.join(extensionPath, "bundled");
  let names: string[];
  try {
    names = readdirSync(folder).filter((name) => /^voiden_lsp-[^-]+-.*\.whl$/.test(name));
  } catch {
    return undefined;
  }
  if (names.length !== 1) return undefined;
  const file = path.join(folder, names[0]);
  const digest = createHash("sha256").update(readFileSync(file)).digest("hex");
  return { path: file, version: names[0].split("-")[1], digest };
}

/** The Pythons to try, best first: the Python extension's interpreter, then the usual names on PATH. */
export function pythonCandidates(fromExtension: readonly string[] | undefined, platform: string): string[][] {
  const names = platform === "win32" ? [["py", "-3"], ["python"]] : [["python3"], ["python3.13"], ["python3.12"], ["python3.11"], ["python"]];
  return [...(fromExtension && fromExtension.length > 0 ? [[...fromExtension]] : []), ...names];
}

export function environmentPython(environment: string, platform: string): string {
  return platform === "win32" ? path.join(environment, "Scripts", "python.exe") : path.join(environment, "bin", "python");
}

/**
 * The Python of a ready environment for `wheel`, making it first if needed (a newer wheel replaces an older
 * environment). Every Python runs isolated (`-I`) from a folder of ours, never the workspace's: a cloned
 * collection cannot put a `venv.py` or `pip/` in its way.
 */
export async function ensureServer(
  storage: string,
  wheel: BundledWheel,
  candidates: readonly string[][],
  host: InstallHost,
  platform: string = process.platform,
): Promise<string> {
  const root = path.join(storage, "server");
  const environment = path.join(root, `${wheel.version}-${wheel.digest.slice(0, 12)}`);
  const python = environmentPython(environment, platform);
  if (await isReady(environment, python)) return python;
  await fs.mkdir(root, { recursive: true });
  const release = await lock(root, () => isReady(environment, python), host);
  try {
    if (await isReady(environment, python)) return python; // another window made it while we waited
    const base = await choosePython(candidates, root, host);
    host.progress(`creating a Python ${base.version} environment`);
    host.log(`installing the bundled server ${path.basename(wheel.path)} with ${base.argv.join(" ")} into ${environment}`);
    await fs.rm(environment, { recursive: true, force: true });
    const made = await run([...base.argv, "-I", "-m", "venv", environment], root, host);
    if (made.code !== 0) {
      throw new InstallError(
        `Voiden could not create a Python environment with ${base.argv.join(" ")}: ${made.tail}. ` +
          "On Debian or Ubuntu install python3-venv, or select another Python 3.11+ in the Python extension.",
      );
    }
    host.progress("installing the language server and its packages (pip)");
    const installed = await run(
      [python, "-I", "-m", "pip", "install", "--disable-pip-version-check", "--no-input", wheel.path],
      root,
      host,
      (line) => {
        const step = /^\s*(Collecting|Downloading|Installing collected packages|Successfully installed)\b.*/.exec(line);
        if (step) host.progress(step[0].trim().slice(0, 120));
      },
      PIP_TIMEOUT_MS,
    );
    if (installed.code !== 0) {
      throw new InstallError(
        `Voiden could not install its language server (pip failed: ${installed.tail}). Its packages come from ` +
          "your package index: check the network or pip's proxy settings, then run \"Voiden: Restart the " +
          'language server"; or set "voiden.server.command" to a voiden-lsp you installed.',
      );
    }
    const check = await run([python, "-I", "-c", "import voiden_lsp.server"], root, host);
    if (check.code !== 0) throw new InstallError(`Voiden's new environment cannot import its server: ${check.tail}`);
    await fs.writeFile(
      path.join(environment, READY),
      JSON.stringify({ wheel: path.basename(wheel.path), digest: wheel.digest, python: base.argv }),
    );
    await removeOthers(root, path.basename(environment), host);
    host.log(`the bundled server is ready in ${environment}`);
    return python;
  } finally {
    await release();
  }
}

/** Marks the environment of `python` as not ready: the next start installs it again. */
export async function forgetEnvironment(python: string): Promise<void> {
  await fs.rm(path.join(path.dirname(path.dirname(python)), READY), { force: true });
}

async function isReady(environment: string, python: string): Promise<boolean> {
  try {
    await fs.access(path.join(environment, READY));
    await fs.access(python);
    return true;
  } catch {
    return false;
  }
}

export interface ChosenPython {
  argv: string[];
  version: string;
}

/** The first candidate that is Python 3.11+ with venv and ensurepip; else an error naming what each was. */
export async function choosePython(candidates: readonly string[][], cwd: string, host: InstallHost): Promise<ChosenPython> {
  const seen: string[] = [];
  const probe = "import sys; print('%d.%d' % sys.version_info[:2], flush=True); import venv, ensurepip";
  for (const argv of candidates) {
    const result = await run([...argv, "-I", "-c", probe], cwd, host, undefined, 20_000);
    const version = /^(\d+)\.(\d+)$/m.exec(result.out);
    const name = argv.join(" ");
    if (version === null) {
      seen.push(`${name}: ${result.spawnError ? "not found" : result.tail}`);
      continue;
    }
    const [major, minor] = [Number(version[1]), Number(version[2])];
    if (major < MINIMUM[0] || (major === MINIMUM[0] && minor < MINIMUM[1])) {
      seen.push(`${name} is Python ${major}.${minor}`);
      continue;
    }
    if (result.code !== 0) {
      seen.push(`${name} (Python ${major}.${minor}) has no venv module (Debian and Ubuntu: install python3-venv)`);
      continue;
    }
    return { argv: [...argv], version: `${major}.${minor}` };
  }
  throw new InstallError(
    `Voiden needs Python ${MINIMUM.join(".")} or newer to run its language server, and found none (${seen.join("; ")}). ` +
      "Install one (python.org, or your system's python3 package with venv), select it in the Python extension, " +
      'then run "Voiden: Restart the language server"; or set "voiden.server.command" to a voiden-lsp program.',
  );
}

/** Holds `<root>/.lock` (a folder: made atomically); a lock older than 15 minutes is a crashed window's. */
async function lock(root: string, done: () => Promise<boolean>, host: InstallHost): Promise<() => Promise<void>> {
  const file = path.join(root, LOCK);
  for (;;) {
    try {
      await fs.mkdir(file);
      return () => fs.rm(file, { recursive: true, force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
    }
    const age = await fs.stat(file).then(
      (stat) => Date.now() - stat.mtimeMs,
      () => 0,
    );
    if (age > STALE_LOCK_MS) {
      host.log(`removing a stale install lock (${Math.round(age / 60_000)} min old)`);
      await fs.rm(file, { recursive: true, force: true });
      continue;
    }
    if (await done()) return async () => undefined;
    host.progress("waiting for another window that is installing the server");
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

async function removeOthers(root: string, keep: string, host: InstallHost): Promise<void> {
  for (const name of await fs.readdir(root)) {
    if (name === keep || name === LOCK) continue;
    host.log(`removing the older server environment ${name}`);
    await fs.rm(path.join(root, name), { recursive: true, force: true });
  }
}

interface RunResult {
  code: number | null;
  out: string;
  /** the last lines of output, for a message */
  tail: string;
  spawnError?: string;
}

function run(
  argv: readonly string[],
  cwd: string,
  host: InstallHost,
  onLine?: (line: string) => void,
  timeoutMs = 120_000,
): Promise<RunResult> {
  return new Promise((resolve) => {
    const lines: string[] = [];
    let out = "";
    const env: NodeJS.ProcessEnv = { ...process.env, PYTHONNOUSERSITE: "1", PIP_NO_INPUT: "1" };
    delete env.PYTHONPATH;
    delete env.PYTHONHOME;
    const child = spawn(argv[0], argv.slice(1), { cwd, env, stdio: ["ignore", "pipe", "pipe"], timeout: timeoutMs });
    let pending = "";
    const take = (chunk: Buffer, stdout: boolean): void => {
      const text = chunk.toString("utf8");
      if (stdout) out += text;
      pending += text;
      const parts = pending.split(/\r?\n/);
      pending = parts.pop() ?? "";
      for (const line of parts) {
        if (line.trim() === "") continue;
        lines.push(line);
        if (lines.length > 40) lines.shift();
        host.log(`  ${line}`);
        onLine?.(line);
      }
    };
    child.stdout.on("data", (chunk: Buffer) => take(chunk, true));
    child.stderr.on("data", (chunk: Buffer) => take(chunk, false));
    let spawnError: string | undefined;
    child.on("error", (error) => {
      spawnError = error.message;
    });
    child.on("close", (code, signal) => {
      if (pending.trim() !== "") lines.push(pending);
      const tail = spawnError ?? (signal ? `stopped by ${signal}` : lines.slice(-3).join(" ").trim() || `exit code ${code}`);
      resolve({ code: spawnError ? null : code, out, tail, ...(spawnError ? { spawnError } : {}) });
    });
  });
}
