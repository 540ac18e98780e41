// How the extension starts the server and what it tells it: pure functions over plain settings objects
// (no vscode import), so the unit tests check them directly.

export interface ServerSettings {
  /** `voiden.server.command`: a program (voiden-lsp, or a Python) */
  command: string;
  /** `voiden.server.args` */
  args: string[];
}

export interface Launch {
  command: string;
  args: string[];
  /** how the user would name this choice in a message */
  source: "setting" | "bundled" | "python-extension" | "python3";
  /** true when `command` is a Python that must have the voiden_lsp package */
  python: boolean;
}

// `-P`: the server runs with the workspace as its working folder, and `-m` would put that folder first on
// sys.path: a cloned collection with a `voiden_lsp/` of its own would run its code. -P (Python 3.11+) keeps
// it off the path.
const MODULE_ARGS = ["-P", "-m", "voiden_lsp.server"];

/**
 * The setting, else the bundled server's environment (made by install.ts), else the Python extension's
 * interpreter, else `python3` (a build without the bundled wheel); a Python runs the module.
 */
export function serverLaunch(
  settings: ServerSettings,
  pythonFromExtension: readonly string[] | undefined,
  bundledPython?: string,
): Launch {
  const command = settings.command.trim();
  if (command !== "") {
    const python = isPython(command);
    return {
      command,
      args: python && !settings.args.includes("-m") ? [...MODULE_ARGS, ...settings.args] : [...settings.args],
      source: "setting",
      python,
    };
  }
  if (bundledPython !== undefined) {
    return { command: bundledPython, args: [...MODULE_ARGS, ...settings.args], source: "bundled", python: true };
  }
  if (pythonFromExtension !== undefined && pythonFromExtension.length > 0) {
    const [interpreter, ...rest] = pythonFromExtension;
    return {
      command: interpreter,
      args: [...rest, ...MODULE_ARGS, ...settings.args],
      source: "python-extension",
      python: true,
    };
  }
  return { command: "python3", args: [...MODULE_ARGS, ...settings.args], source: "python3", python: true };
}

/**
 * The `voiden` command line beside the server: the same Python running `-m voiden_lsp.cli`, or the `voiden`
 * program next to a `voiden-lsp` one. Undefined when the server is something else (then there is no CLI
 * to run, and the import command says so).
 */
export function cliLaunch(launch: Launch): { command: string; args: string[] } | undefined {
  if (launch.python) {
    const at = launch.args.indexOf("voiden_lsp.server");
    if (at < 0) return undefined;
    return { command: launch.command, args: [...launch.args.slice(0, at), "voiden_lsp.cli"] };
  }
  const match = /^(.*?)voiden-lsp(\.exe)?$/i.exec(launch.command);
  return match ? { command: `${match[1]}voiden${match[2] ?? ""}`, args: [] } : undefined;
}

/** The command line of `voiden mcp` for a folder, beside the language server the extension started. */
export function mcpCommand(
  launch: Launch | undefined,
  folder: string,
  allowRun: boolean,
): { command: string; args: string[] } | undefined {
  const cli = launch ? cliLaunch(launch) : undefined;
  if (cli === undefined) return undefined;
  return { command: cli.command, args: [...cli.args, "mcp", "--root", folder, ...(allowRun ? ["--allow-run"] : [])] };
}

export function isPython(command: string): boolean {
  const base = command.split(/[\\/]/).pop() ?? command;
  return /^python(\d+(\.\d+)?)?(\.exe)?$/i.test(base);
}

/** The words shown when the server cannot start: what is missing and how to get it. */
export function missingServerMessage(launch: Launch, detail: string): string {
  if (launch.source === "bundled") {
    return (
      `The language server Voiden installed does not start (${launch.command}). ` +
      `Run "Voiden: Restart the language server" to install it again, ` +
      `or set "voiden.server.command" to a voiden-lsp program. ${detail}`.trim()
    );
  }
  if (launch.python) {
    return (
      `The Voiden language server is not installed for ${launch.command} (${sourceWords(launch.source)}). ` +
      `Install it from a clone of the repository: \`${launch.command} -m pip install /path/to/voiden-lsp\` ` +
      `(no package index serves it yet), ` +
      `or set "voiden.server.command" to a voiden-lsp program. ${detail}`.trim()
    );
  }
  return (
    `The Voiden language server could not start: "${launch.command}" (from the voiden.server.command setting) ` +
    `failed. Check the path, or clear the setting to use Python. ${detail}`.trim()
  );
}

function sourceWords(source: Launch["source"]): string {
  switch (source) {
    case "setting":
      return "the voiden.server.command setting";
    case "bundled":
      return "the environment Voiden made for its bundled server";
    case "python-extension":
      return "the Python extension's interpreter";
    case "python3":
      return "the python3 on PATH";
  }
}

export interface ClientSettings {
  env?: string | null;
  maxPayload?: number;
}

/** The `voiden` settings the server reads, with the workspace's trust (an untrusted folder never sends). */
export function serverSettings(settings: ClientSettings, trusted: boolean): Record<string, unknown> {
  const out: Record<string, unknown> = { trusted };
  if (typeof settings.env === "string" && settings.env !== "") out.env = settings.env;
  if (typeof settings.maxPayload === "number" && settings.maxPayload > 0) out.maxPayload = settings.maxPayload;
  return out;
}
