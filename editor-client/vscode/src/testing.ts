// VS Code's Testing view for voiden documents: the server says which requests are tests (`voiden/tests`)
// and judges them (`voiden.test`); this file only maps its answers onto test items and results.

import * as vscode from "vscode";
import * as protocol from "./protocol";

export interface TestHost {
  request<T>(method: string, params: unknown): Promise<T | undefined>;
  execute(command: string, args: unknown[]): Promise<unknown>;
  log(line: string): void;
}

export class Tests implements vscode.Disposable {
  readonly controller = vscode.tests.createTestController("voiden", "Voiden");
  private readonly disposables: vscode.Disposable[] = [];
  private pending: ReturnType<typeof setTimeout> | undefined;

  constructor(private readonly host: TestHost) {
    const controller = this.controller;
    controller.resolveHandler = async (item) => {
      if (item === undefined) await this.refresh();
    };
    controller.refreshHandler = () => this.refresh();
    controller.createRunProfile("Run", vscode.TestRunProfileKind.Run, (request, token) => this.run(request, token), true);
    this.disposables.push(
      controller,
      vscode.workspace.onDidSaveTextDocument((document) => this.documentChanged(document)),
      vscode.workspace.onDidChangeTextDocument((change) => this.documentChanged(change.document)),
      vscode.workspace.onDidOpenTextDocument((document) => this.documentChanged(document)),
    );
  }

  dispose(): void {
    if (this.pending !== undefined) clearTimeout(this.pending);
    for (const disposable of this.disposables) disposable.dispose();
  }

  private documentChanged(document: vscode.TextDocument): void {
    if (document.languageId !== "voiden") return;
    if (this.pending !== undefined) clearTimeout(this.pending);
    this.pending = setTimeout(() => void this.refresh(document.uri.toString()), 300);
  }

  /** The test items of one document (`uri`), or of the whole workspace. */
  async refresh(uri?: string): Promise<void> {
    let result: protocol.TestsResult | undefined;
    try {
      result = await this.host.request<protocol.TestsResult>(protocol.TESTS, uri ? { uri } : {});
    } catch (error) {
      this.host.log(`voiden/tests: ${String(error)}`);
      return;
    }
    if (result === undefined) return;
    if (uri !== undefined && !result.documents.some((d) => d.uri === uri)) this.controller.items.delete(uri);
    if (uri === undefined) this.controller.items.replace([]);
    for (const document of result.documents) {
      const file = vscode.Uri.parse(document.uri);
      const parent = this.controller.createTestItem(document.uri, vscode.workspace.asRelativePath(file), file);
      parent.children.replace(
        document.tests.map((test) => {
          const item = this.controller.createTestItem(`${document.uri}#${test.request}`, test.request, file);
          const { start, end } = test.range;
          item.range = new vscode.Range(start.line, start.character, end.line, end.character);
          item.description = `${test.expectations.length} expectation${test.expectations.length === 1 ? "" : "s"}`;
          return item;
        }),
      );
      this.controller.items.add(parent);
    }
  }

  private async run(request: vscode.TestRunRequest, token: vscode.CancellationToken): Promise<void> {
    const run = this.controller.createTestRun(request);
    const queue: vscode.TestItem[] = [];
    const add = (item: vscode.TestItem): void => {
      if (request.exclude?.includes(item)) return;
      if (item.children.size > 0) item.children.forEach(add);
      else if (item.parent !== undefined) queue.push(item);
    };
    if (request.include) request.include.forEach(add);
    else this.controller.items.forEach(add);
    for (const item of queue) run.enqueued(item);
    for (const item of queue) {
      if (token.isCancellationRequested) {
        run.skipped(item);
        continue;
      }
      await this.runOne(run, item);
    }
    run.end();
  }

  private async runOne(run: vscode.TestRun, item: vscode.TestItem): Promise<void> {
    const uri = item.parent?.id;
    if (uri === undefined || item.uri === undefined) return;
    run.started(item);
    try {
      await vscode.workspace.openTextDocument(item.uri); // the server judges the document as the editor has it
      const result = (await this.host.execute(protocol.CMD_TEST, [uri, item.label])) as protocol.TestResult | undefined;
      if (result === undefined) {
        run.errored(item, new vscode.TestMessage("the language server is not running"));
        return;
      }
      if (result.passed) {
        run.passed(item, result.duration);
        return;
      }
      const failed = result.checks.filter((check) => !check.passed);
      const messages = failed.map((check) => {
        const message =
          check.actual !== undefined && check.actual !== null
            ? vscode.TestMessage.diff(check.message, show(check.expected), show(check.actual))
            : new vscode.TestMessage(check.message);
        message.location = new vscode.Location(item.uri as vscode.Uri, new vscode.Position(check.line - 1, 0));
        return message;
      });
      if (messages.length === 0) messages.push(new vscode.TestMessage(result.failure ?? "failed"));
      run.failed(item, messages, result.duration);
    } catch (error) {
      run.errored(item, new vscode.TestMessage(error instanceof Error ? error.message : String(error)));
    }
  }
}

function show(value: unknown): string {
  return typeof value === "string" ? value : (JSON.stringify(value, null, 2) ?? String(value));
}
