// The live panel's host side: one webview beside the editor. It forwards the `voiden/events` batches that
// came within `POST_MS` as one message (each message to a webview is a hop through the workbench, and in a
// browser workbench through its socket: fewer, larger ones cost less), catches a late-opened panel up with
// `voiden/sessions`, and carries the panel's buttons back to the server as commands.

import { randomBytes } from "node:crypto";
import * as vscode from "vscode";
import * as protocol from "./protocol";
import type { FromPanel, ToPanel } from "./messages";

export interface PanelServer {
  execute(command: string, args: unknown[]): Promise<unknown>;
  sessions(params: object): Promise<protocol.SessionsResult | undefined>;
  request<T>(method: string, params: object): Promise<T | undefined>;
  log(line: string): void;
}

/** At most one message of events to the panel in this time (the server flushes every 30 ms); what comes after
 * a quiet spell goes at once, so a lone message is never held back. */
const POST_MS = 120;

export class PanelHost implements vscode.Disposable {
  private panel: vscode.WebviewPanel | undefined;
  private ready = false;
  private pending: protocol.VoidenEvent[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private posted = 0;
  private queue: ToPanel[] = [];
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly server: PanelServer,
  ) {}

  /** Opens the panel beside the editor (or reveals it), keeping the focus in the editor if asked. */
  show(preserveFocus: boolean): void {
    if (this.panel !== undefined) {
      if (!this.panel.visible) this.panel.reveal(vscode.ViewColumn.Beside, preserveFocus);
      return;
    }
    const media = vscode.Uri.joinPath(this.extensionUri, "dist");
    const panel = vscode.window.createWebviewPanel(
      "voiden.panel",
      "Voiden",
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus },
      { enableScripts: true, retainContextWhenHidden: true, localResourceRoots: [media] },
    );
    panel.webview.html = this.html(panel.webview, media);
    this.panel = panel;
    this.ready = false;
    this.disposables.push(
      panel.onDidDispose(() => {
        this.panel = undefined;
        this.ready = false;
        this.queue = [];
        this.pending = [];
      }),
      panel.webview.onDidReceiveMessage((message: FromPanel) => this.receive(message)),
    );
  }

  /** A batch from the server: to the panel if it is open (a closed panel catches up when it opens). */
  events(events: protocol.VoidenEvent[]): void {
    if (this.panel === undefined) return;
    for (const event of events) this.pending.push(event);
    // a session's end goes at once (its last figures, the lens's state); the rest waits a moment for company
    const ending = events.some((event) => event.kind === "closed" || event.kind === "error");
    const wait = this.posted + POST_MS - Date.now();
    if (ending || (wait <= 0 && this.timer === undefined)) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), wait);
  }

  private flush(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0) return;
    const events = this.pending;
    this.pending = [];
    this.posted = Date.now();
    this.post({ type: "events", json: JSON.stringify(events) });
  }

  /** A kept run of a request, opened in the panel as a finished session beside the request's others. */
  async openRun(uri: string, id: string): Promise<void> {
    this.show(false);
    const result = await this.server.request<protocol.HistoryRecordResult>(protocol.HISTORY_RECORD, { uri, id });
    if (result !== undefined) this.post({ type: "sessions", sessions: [result.session] });
  }

  /** A (re)started server: an open panel catches up with the sessions it knows. */
  serverStarted(): void {
    if (this.panel !== undefined) void this.catchUp();
  }

  dispose(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.panel?.dispose();
    for (const disposable of this.disposables) disposable.dispose();
  }

  private post(message: ToPanel): void {
    if (this.panel === undefined) return;
    if (!this.ready) {
      this.queue.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  private async catchUp(): Promise<void> {
    try {
      const result = await this.server.sessions({});
      if (result !== undefined) this.post({ type: "sessions", sessions: result.sessions });
    } catch (error) {
      this.server.log(`voiden/sessions: ${String(error)}`);
    }
  }

  private async receive(message: FromPanel): Promise<void> {
    try {
      switch (message.type) {
        case "ready": {
          this.ready = true;
          // what came while the panel loaded goes first: the catch-up's snapshot (the server keeps only the
          // newest events of a session) then adds only what is newer, instead of hiding all of it
          const queued = this.queue;
          this.queue = [];
          for (const item of queued) void this.panel?.webview.postMessage(item);
          await this.catchUp();
          break;
        }
        case "send":
          await this.server.execute(
            protocol.CMD_SEND,
            message.block !== null
              ? [message.session, message.uri, message.block]
              : [message.session, message.uri, null, message.text ?? ""],
          );
          break;
        case "close":
          await this.server.execute(protocol.CMD_CLOSE, [message.session]);
          break;
        case "cancel":
          await this.server.execute(protocol.CMD_CANCEL, [message.session]);
          break;
        case "resend":
          await this.server.execute(message.live ? protocol.CMD_CONNECT : protocol.CMD_RUN, [message.uri, message.request]);
          break;
        case "session": {
          const result = await this.server.sessions({ session: message.session, events: false });
          if (result !== undefined) this.post({ type: "sessions", sessions: result.sessions });
          break;
        }
        case "copy":
          await vscode.env.clipboard.writeText(message.text);
          void vscode.window.setStatusBarMessage("Voiden: copied", 2000);
          break;
        case "save":
          await this.save(message.name, message.text);
          break;
        case "history": {
          const result = await this.server.request<protocol.HistoryResult>(protocol.HISTORY, {
            uri: message.uri,
            request: message.request,
          });
          this.post({ type: "history", uri: message.uri, request: message.request, runs: result?.runs ?? [] });
          break;
        }
        case "openRun":
          await this.openRun(message.uri, message.id);
          break;
      }
    } catch (error) {
      const text = error instanceof Error ? error.message : String((error as { message?: unknown }).message ?? error);
      void vscode.window.showErrorMessage(`Voiden: ${text}`);
      this.post({ type: "error", message: text });
    }
  }

  private async save(name: string, text: string): Promise<void> {
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const target = await vscode.window.showSaveDialog({
      defaultUri: folder ? vscode.Uri.joinPath(folder, `${name}.json`) : undefined,
      filters: { JSON: ["json"] },
      saveLabel: "Save transcript",
    });
    if (target === undefined) return;
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    void vscode.window.setStatusBarMessage(`Voiden: transcript saved to ${target.fsPath}`, 4000);
  }

  private html(webview: vscode.Webview, media: vscode.Uri): string {
    const nonce = randomBytes(16).toString("base64");
    const script = webview.asWebviewUri(vscode.Uri.joinPath(media, "panel.js"));
    const style = webview.asWebviewUri(vscode.Uri.joinPath(media, "panel.css"));
    const icons = webview.asWebviewUri(vscode.Uri.joinPath(media, "codicon.css"));
    const csp = [
      "default-src 'none'",
      `style-src ${webview.cspSource}`,
      `script-src 'nonce-${nonce}'`,
      `img-src ${webview.cspSource} data:`,
      `font-src ${webview.cspSource}`,
    ].join("; ");
    return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${icons.toString()}">
<link rel="stylesheet" href="${style.toString()}">
<title>Voiden</title>
</head>
<body>
<div id="app" role="main"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
  }
}
