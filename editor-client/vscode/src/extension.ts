// The VS Code client: starts voiden-lsp, forwards its events to the live panel, and offers the
// environment picker. Everything about the format and the protocols lives in the server.

import { execFile } from "node:child_process";
import * as vscode from "vscode";
import {
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  type LanguageClientOptions,
  type ServerOptions,
  State,
} from "vscode-languageclient/node";
import { type BundledWheel, InstallError, bundledWheel, ensureServer, forgetEnvironment, pythonCandidates } from "./install";
import { registerMcpProvider } from "./mcp";
import { PanelHost } from "./panel";
import * as protocol from "./protocol";
import {
  type ClientSettings,
  type Launch,
  cliLaunch,
  missingServerMessage,
  serverLaunch,
  serverSettings,
} from "./settings";
import { Tests } from "./testing";

let client: LanguageClient | undefined;
/** How the server was started last: the `voiden` command line runs the same way (import). */
let lastLaunch: Launch | undefined;
let output: vscode.OutputChannel;
let panel: PanelHost;
let statusItem: vscode.StatusBarItem;
let tests: Tests;

export async function activate(context: vscode.ExtensionContext): Promise<void> {
  output = vscode.window.createOutputChannel("Voiden");
  panel = new PanelHost(context.extensionUri, {
    execute: (command, args) => execute(command, args),
    sessions: (params) => request<protocol.SessionsResult>(protocol.SESSIONS, params),
    request: (method, params) => request(method, params),
    log: (line) => output.appendLine(line),
  });
  tests = new Tests({ request: (method, params) => request(method, params), execute, log: (line) => output.appendLine(line) });
  statusItem = vscode.window.createStatusBarItem(vscode.StatusBarAlignment.Left, 50);
  statusItem.command = "voiden.pickEnvironment";
  statusItem.tooltip = "Voiden: select the environment";
  context.subscriptions.push(
    output,
    panel,
    tests,
    statusItem,
    vscode.commands.registerCommand("voiden.showPanel", () => panel.show(false)),
    vscode.commands.registerCommand("voiden.pickEnvironment", pickEnvironment),
    vscode.commands.registerCommand("voiden.restartServer", async () => {
      await stopClient();
      await startClient(context);
    }),
    vscode.commands.registerCommand("voiden.showOutput", () => output.show(true)),
    // "Copy as ..." code actions carry this command: the server writes the text, the clipboard is ours
    vscode.commands.registerCommand(protocol.CMD_COPY_AS, copyAs),
    vscode.commands.registerCommand("voiden.importCollection", (uri?: vscode.Uri) => importCollection(uri)),
    vscode.workspace.registerTextDocumentContentProvider(HISTORY_SCHEME, { provideTextDocumentContent: (uri) => views.get(uri.toString()) }),
    // a collection copied or dropped into the workspace: offer to import it
    watchCollections(),
    vscode.workspace.onDidGrantWorkspaceTrust(() => pushSettings()),
    vscode.workspace.onDidChangeConfiguration(async (change) => {
      if (change.affectsConfiguration("voiden.server")) {
        await stopClient();
        await startClient(context);
      }
    }),
    vscode.window.onDidChangeActiveTextEditor(() => updateStatus()),
    // the collection as an MCP server for VS Code's agents (trusted workspaces; `voiden.mcp.allowRun` to send)
    registerMcpProvider(() => lastLaunch, String(context.extension.packageJSON.version ?? "")),
  );
  await startClient(context);
}

export async function deactivate(): Promise<void> {
  await stopClient();
}

function clientSettings(): ClientSettings {
  const config = vscode.workspace.getConfiguration("voiden");
  return { env: config.get<string | null>("env"), maxPayload: config.get<number>("maxPayload") };
}

async function pythonFromExtension(): Promise<string[] | undefined> {
  const python = vscode.extensions.getExtension("ms-python.python");
  if (python === undefined) return undefined;
  try {
    const api = (await python.activate()) as {
      settings?: { getExecutionDetails?: (resource?: vscode.Uri) => { execCommand?: string[] } };
    };
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    return api.settings?.getExecutionDetails?.(folder).execCommand;
  } catch (error) {
    output.appendLine(`the Python extension did not tell its interpreter: ${String(error)}`);
    return undefined;
  }
}

/** Does this Python have the server? A missing package is the most common first-run failure. */
function checkPython(launch: Launch): Promise<string | undefined> {
  if (!launch.python) return Promise.resolve(undefined);
  const prefix = launch.args.slice(0, Math.max(0, launch.args.indexOf("-m")));
  return new Promise((resolve) => {
    execFile(launch.command, [...prefix, "-c", "import voiden_lsp.server"], { timeout: 20_000 }, (error, _out, err) => {
      if (error === null) resolve(undefined);
      else resolve((err || error.message).trim().split("\n").pop());
    });
  });
}

/**
 * The bundled server's Python, installing it first (with progress) when this is its first start or a newer
 * wheel came with an update; undefined when the user chose a server or this build carries no wheel.
 */
async function bundledServer(context: vscode.ExtensionContext, wheel: BundledWheel, python: string[] | undefined) {
  const storage = context.globalStorageUri.fsPath;
  return vscode.window.withProgress(
    { location: vscode.ProgressLocation.Notification, title: `Voiden: setting up its language server ${wheel.version}` },
    (progress) =>
      ensureServer(storage, wheel, pythonCandidates(python, process.platform), {
        log: (line) => output.appendLine(line),
        progress: (message) => progress.report({ message }),
      }),
  );
}

async function startClient(context: vscode.ExtensionContext): Promise<void> {
  const config = vscode.workspace.getConfiguration("voiden.server");
  const settings = { command: config.get<string>("command") ?? "", args: config.get<string[]>("args") ?? [] };
  const python = await pythonFromExtension();
  const wheel = settings.command.trim() === "" ? bundledWheel(context.extensionPath) : undefined;
  let bundled: string | undefined;
  if (wheel !== undefined) {
    try {
      bundled = await bundledServer(context, wheel, python);
    } catch (error) {
      reportInstallFailure(error);
      return;
    }
  }
  const launch = serverLaunch(settings, python, bundled);
  lastLaunch = launch;
  output.appendLine(`starting ${launch.command} ${launch.args.join(" ")} (${launch.source})`);
  const problem = await checkPython(launch);
  if (problem !== undefined) {
    if (bundled !== undefined) await forgetEnvironment(bundled);
    reportMissing(launch, problem);
    return;
  }
  const serverOptions: ServerOptions = { command: launch.command, args: launch.args };
  const clientOptions: LanguageClientOptions = {
    documentSelector: [
      { scheme: "file", language: "voiden" },
      { scheme: "untitled", language: "voiden" },
    ],
    outputChannel: output,
    initializationOptions: { voiden: serverSettings(clientSettings(), vscode.workspace.isTrusted) },
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/{voiden.toml,.env,.voiden/*.yaml}") },
    middleware: {
      executeCommand: async (command, args, next) => {
        // the history's lens and code actions: this client shows the runs and the diff itself
        if (command === protocol.CMD_HISTORY) return showHistory(String(args[0]), String(args[1]));
        if (command === protocol.CMD_COMPARE) return compare(String(args[0]), String(args[1]), args[2], args[3]);
        if (command === protocol.CMD_LOAD) {
          const options = await askLoad(args[1] as protocol.LoadDetails | undefined);
          if (options === undefined) return undefined;
          panel.show(true);
          try {
            return await next(command, [args[0], options]);
          } catch (error) {
            void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
            return undefined;
          }
        }
        if (protocol.STARTING_COMMANDS.includes(command)) {
          if (!vscode.workspace.isTrusted) {
            void vscode.window.showWarningMessage(
              "Voiden sends nothing from an untrusted folder. Trust the folder (Manage Workspace Trust) to send requests.",
            );
            return undefined;
          }
          panel.show(true);
        }
        try {
          return await next(command, args);
        } catch (error) {
          void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
          return undefined;
        }
      },
      workspace: {
        configuration: async (params, token, next) => {
          const result = await next(params, token);
          if (!Array.isArray(result)) return result;
          return result.map((item: unknown, index: number) =>
            params.items[index]?.section === "voiden"
              ? { ...(item as object), ...serverSettings(clientSettings(), vscode.workspace.isTrusted) }
              : item,
          );
        },
      },
    },
  };
  const started = new LanguageClient("voiden", "Voiden", serverOptions, clientOptions);
  started.onDidChangeState((change) => {
    if (change.newState === State.Stopped && client === started) updateStatus();
  });
  context.subscriptions.push(
    started.onNotification(protocol.EVENTS, (params: protocol.EventsParams) => panel.events(params.events)),
  );
  try {
    await started.start();
  } catch (error) {
    reportMissing(launch, errorText(error));
    return;
  }
  client = started;
  panel.serverStarted();
  void tests.refresh();
  await updateStatus();
}

function reportInstallFailure(error: unknown): void {
  const message = error instanceof InstallError ? error.message : `Voiden could not set up its language server: ${errorText(error)}`;
  showFailure(message);
}

function reportMissing(launch: Launch, detail: string): void {
  showFailure(missingServerMessage(launch, detail));
}

function showFailure(message: string): void {
  output.appendLine(message);
  void vscode.window.showErrorMessage(message, "Open Settings", "Show Output").then((choice) => {
    if (choice === "Open Settings") void vscode.commands.executeCommand("workbench.action.openSettings", "voiden.server");
    if (choice === "Show Output") output.show(true);
  });
  statusItem.text = "$(error) Voiden";
  statusItem.tooltip = message;
  statusItem.show();
}

async function stopClient(): Promise<void> {
  const stopping = client;
  client = undefined;
  if (stopping !== undefined) await stopping.stop().catch((error: unknown) => output.appendLine(errorText(error)));
}

function pushSettings(): void {
  void client?.sendNotification(DidChangeConfigurationNotification.type, {
    settings: { voiden: serverSettings(clientSettings(), vscode.workspace.isTrusted) },
  });
}

async function request<T>(method: string, params: unknown): Promise<T | undefined> {
  if (client === undefined) return undefined;
  return client.sendRequest<T>(method, params);
}

// one level of braces: VS Code's glob does not nest them
const IMPORTABLE =
  "**/{*.postman_collection.json,*.postman_environment.json,openapi.json,openapi.yaml,openapi.yml," +
  "*.openapi.json,*.openapi.yaml,*.openapi.yml,Insomnia*.json,Insomnia*.yaml,*.http,*.rest,bruno.json}";

function watchCollections(): vscode.Disposable {
  const watcher = vscode.workspace.createFileSystemWatcher(IMPORTABLE, false, true, true);
  watcher.onDidCreate(async (uri) => {
    if (!vscode.workspace.isTrusted) return;
    const source = uri.path.endsWith("/bruno.json") ? vscode.Uri.joinPath(uri, "..") : uri;
    const choice = await vscode.window.showInformationMessage(
      `Voiden: import ${vscode.workspace.asRelativePath(source)} as .voiden documents?`,
      "Import",
    );
    if (choice === "Import") await importCollection(source);
  });
  return watcher;
}

/** "Voiden: Import collection...": `voiden import` on a file or folder the user picks, into a folder they pick. */
async function importCollection(given?: vscode.Uri): Promise<void> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage("Voiden writes no files from an untrusted folder: trust it first.");
    return;
  }
  const launch = lastLaunch ? cliLaunch(lastLaunch) : undefined;
  if (launch === undefined) {
    void vscode.window.showErrorMessage("Voiden: no `voiden` command line beside the language server to import with.");
    return;
  }
  const picked =
    given ??
    (
      await vscode.window.showOpenDialog({
        title: "Import a collection (Postman, Insomnia, Bruno folder, OpenAPI, .http, curl commands)",
        canSelectFiles: true,
        canSelectFolders: true,
        canSelectMany: false,
      })
    )?.[0];
  if (picked === undefined) return;
  const root = vscode.workspace.getWorkspaceFolder(picked)?.uri ?? vscode.workspace.workspaceFolders?.[0]?.uri;
  const out = (
    await vscode.window.showOpenDialog({
      title: "Write the .voiden documents into",
      defaultUri: root,
      canSelectFiles: false,
      canSelectFolders: true,
      openLabel: "Import here",
    })
  )?.[0];
  if (out === undefined) return;
  const args = [...launch.args, "import", picked.fsPath, "--out", out.fsPath];
  output.appendLine(`import: ${launch.command} ${args.join(" ")}`);
  execFile(launch.command, args, { timeout: 120_000, cwd: out.fsPath }, async (error, stdout, stderr) => {
    output.append(stdout + stderr);
    const written = [...stdout.matchAll(/^voiden: wrote (.+\.voiden):/gm)].map((m) => m[1]);
    if (written.length === 0) {
      void vscode.window.showErrorMessage(`Voiden: ${(stderr || errorText(error)).trim().replace(/^voiden: /, "")}`);
      return;
    }
    const notes = (stdout.match(/^ {2}note: /gm) ?? []).length;
    const summary = `imported ${written.length} document${written.length === 1 ? "" : "s"}` +
      (notes > 0 ? `, ${notes} note${notes === 1 ? "" : "s"} on what did not carry over` : "");
    void vscode.window.showInformationMessage(`Voiden: ${summary}`, "Show output");
    await vscode.window.showTextDocument(vscode.Uri.file(written[0].startsWith("/") ? written[0] : `${out.fsPath}/${written[0]}`));
  });
}

/** Read-only documents of kept runs (`voiden-history:` URIs), for the diff editor. */
const HISTORY_SCHEME = "voiden-history";
const views = new Map<string, string>();

function historyView(side: protocol.CompareSide, request: string): vscode.Uri {
  const uri = vscode.Uri.from({ scheme: HISTORY_SCHEME, path: `/${request}/${side.id}.txt`, query: side.title });
  views.set(uri.toString(), side.text);
  return uri;
}

/** "Compare with the previous run" (or two given runs): VS Code's diff editor on two read-only views. */
async function compare(uri: string, name: string, older?: unknown, newer?: unknown): Promise<void> {
  try {
    const result = await request<protocol.CompareResult>(protocol.COMPARE, { uri, request: name, older, newer });
    if (result === undefined) return;
    const left = historyView(result.older, name);
    const right = historyView(result.newer, name);
    const same = result.same ? " (the same)" : "";
    await vscode.commands.executeCommand("vscode.diff", left, right, `${name}: ${result.older.id} ↔ ${result.newer.id}${same}`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
  }
}

interface RunItem extends vscode.QuickPickItem {
  run?: protocol.HistoryEntry;
}

/** The `History (n)` lens: the request's kept runs; one picked opens in the panel, its button compares it with
 * the newest. */
async function showHistory(uri: string, name: string): Promise<void> {
  let result: protocol.HistoryResult | undefined;
  try {
    result = await request<protocol.HistoryResult>(protocol.HISTORY, { uri, request: name });
  } catch (error) {
    void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
    return;
  }
  const runs = result?.runs ?? [];
  const compareButton = { iconPath: new vscode.ThemeIcon("diff"), tooltip: "Compare with the newest run" };
  const items: RunItem[] = runs.map((run, index) => ({
    label: `${run.status}${run.duration == null ? "" : ` · ${Math.round(run.duration)} ms`} · ${run.size}`,
    description: `${run.age} · ${run.by}`,
    detail: run.error ?? run.id,
    run,
    buttons: index > 0 ? [compareButton] : [],
  }));
  if (runs.length >= 2) items.unshift({ label: "$(diff) Compare the last two runs" });
  const pick = vscode.window.createQuickPick<RunItem>();
  pick.title = `History of ${name}: ${runs.length} kept run${runs.length === 1 ? "" : "s"}`;
  pick.placeholder = "Open a run in the panel, or compare one with the newest";
  pick.items = items;
  pick.onDidTriggerItemButton((event) => {
    pick.hide();
    if (event.item.run) void compare(uri, name, event.item.run.id, runs[0].id);
  });
  pick.onDidAccept(() => {
    const chosen = pick.selectedItems[0];
    pick.hide();
    if (chosen === undefined) return;
    if (chosen.run === undefined) void compare(uri, name);
    else void panel.openRun(uri, chosen.run.id).catch((error: unknown) => void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`));
  });
  pick.onDidHide(() => pick.dispose());
  pick.show();
}

const LOOPBACK = ["127.0.0.1", "localhost", "::1"];

/** "Load test...": users and duration (the front matter's as defaults), and a confirmation for any host that is
 * not this machine; undefined when the user backs out. */
async function askLoad(details: protocol.LoadDetails | undefined): Promise<Record<string, unknown> | undefined> {
  if (!vscode.workspace.isTrusted) {
    void vscode.window.showWarningMessage("Voiden runs no load test from an untrusted folder.");
    return undefined;
  }
  const users = await vscode.window.showInputBox({
    title: "Load test: simulated users",
    value: String(details?.users ?? 10),
    validateInput: (text) => (/^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 10000 ? undefined : "1 to 10000"),
  });
  if (users === undefined) return undefined;
  const duration = await vscode.window.showInputBox({
    title: "Load test: how long (30s, 2m)",
    value: String(details?.duration ?? "30s"),
    validateInput: (text) => (/^\d+(\.\d+)?(ms|s|m|h)?$/.test(text) ? undefined : "a duration: 30s, 2m, 1h"),
  });
  if (duration === undefined) return undefined;
  const away = (details?.hosts ?? []).filter((host) => !LOOPBACK.includes(host));
  let yes = false;
  if (away.length > 0) {
    const answer = await vscode.window.showWarningMessage(
      `Load ${away.join(", ")} with ${users} users for ${duration}? It is not this machine.`,
      { modal: true },
      "Load it",
    );
    if (answer !== "Load it") return undefined;
    yes = true;
  }
  return { users: Number(users), duration, yes };
}

async function copyAs(...args: unknown[]): Promise<void> {
  try {
    const result = (await execute(protocol.CMD_EXPORT, args)) as protocol.ExportResult;
    await vscode.env.clipboard.writeText(result.text);
    const notes = result.notes.length > 0 ? ` (${result.notes.join("; ")})` : "";
    void vscode.window.showInformationMessage(`Voiden: copied \`${String(args[1])}\` as ${String(args[2])}${notes}`);
  } catch (error) {
    void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
  }
}

async function execute(command: string, args: unknown[]): Promise<unknown> {
  if (client === undefined) throw new Error("the language server is not running");
  if (!vscode.workspace.isTrusted && (command === protocol.CMD_SEND || protocol.STARTING_COMMANDS.includes(command))) {
    throw new Error("nothing is sent from an untrusted folder");
  }
  return client.sendRequest(ExecuteCommandRequest.type, { command, arguments: args });
}

function activeVoidenUri(): string | undefined {
  const document = vscode.window.activeTextEditor?.document;
  return document?.languageId === "voiden" ? document.uri.toString() : undefined;
}

async function environments(): Promise<protocol.EnvironmentsResult | undefined> {
  const uri = activeVoidenUri();
  return request<protocol.EnvironmentsResult>(protocol.ENVIRONMENTS, uri ? { uri } : {});
}

async function updateStatus(): Promise<void> {
  if (client === undefined || !client.isRunning()) {
    statusItem.hide();
    return;
  }
  try {
    const envs = await environments();
    const name = envs?.current ?? envs?.default;
    statusItem.text = `$(server-environment) ${name ?? "no environment"}`;
    statusItem.tooltip = "Voiden environment: click to choose another";
    statusItem.show();
  } catch (error) {
    output.appendLine(`environments: ${errorText(error)}`);
  }
}

async function pickEnvironment(): Promise<void> {
  const envs = await environments();
  if (envs === undefined) {
    void vscode.window.showWarningMessage("Voiden: the language server is not running.");
    return;
  }
  if (envs.environments.length === 0) {
    void vscode.window.showInformationMessage(
      "Voiden: this collection has no environments (add [env.NAME] tables to voiden.toml).",
    );
    return;
  }
  const items = envs.environments.map((name) => ({
    label: name,
    description: [name === envs.default ? "default" : "", name === envs.current ? "selected" : ""]
      .filter(Boolean)
      .join(", "),
  }));
  const picked = await vscode.window.showQuickPick(items, { placeHolder: "Voiden environment" });
  if (picked === undefined) return;
  try {
    await execute(protocol.CMD_SELECT_ENV, [picked.label]);
  } catch (error) {
    void vscode.window.showErrorMessage(`Voiden: ${errorText(error)}`);
  }
  await updateStatus();
}

function errorText(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === "object" && error !== null && "message" in error) return String(error.message);
  return String(error);
}
