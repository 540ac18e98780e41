// The collection offered to VS Code's agents (Copilot agent mode...) as an MCP server: `voiden mcp` over stdio,
// through the MCP server-definition provider API (VS Code 1.101+; feature-detected, so older versions simply
// go without). Trusted workspaces only: an untrusted folder's collection is offered to no agent.

import * as vscode from "vscode";
import { type Launch, mcpCommand } from "./settings";

export const PROVIDER_ID = "voiden.collection";

interface McpApi {
  registerMcpServerDefinitionProvider?: (
    id: string,
    provider: { onDidChangeMcpServerDefinitions: vscode.Event<void>; provideMcpServerDefinitions: () => unknown[] },
  ) => vscode.Disposable;
}
type StdioDefinition = new (label: string, command: string, args: string[], env?: Record<string, string>, version?: string) => unknown;

/** Registers the provider when this VS Code has the API; `launch()` says how the server was started. */
export function registerMcpProvider(launch: () => Launch | undefined, version: string): vscode.Disposable {
  const api = (vscode as unknown as { lm?: McpApi }).lm;
  const Definition = (vscode as unknown as { McpStdioServerDefinition?: StdioDefinition }).McpStdioServerDefinition;
  if (api?.registerMcpServerDefinitionProvider === undefined || Definition === undefined) {
    return new vscode.Disposable(() => undefined);
  }
  const changed = new vscode.EventEmitter<void>();
  const provider = {
    onDidChangeMcpServerDefinitions: changed.event,
    provideMcpServerDefinitions: (): unknown[] => {
      if (!vscode.workspace.isTrusted) return [];
      const allowRun = vscode.workspace.getConfiguration("voiden.mcp").get<boolean>("allowRun") ?? false;
      const found: unknown[] = [];
      for (const folder of vscode.workspace.workspaceFolders ?? []) {
        const line = mcpCommand(launch(), folder.uri.fsPath, allowRun);
        if (line === undefined) continue;
        found.push(new Definition(`Voiden: ${folder.name}`, line.command, line.args, {}, version));
      }
      return found;
    },
  };
  return vscode.Disposable.from(
    api.registerMcpServerDefinitionProvider(PROVIDER_ID, provider),
    changed,
    vscode.workspace.onDidGrantWorkspaceTrust(() => changed.fire()),
    vscode.workspace.onDidChangeWorkspaceFolders(() => changed.fire()),
    vscode.workspace.onDidChangeConfiguration((change) => {
      if (change.affectsConfiguration("voiden.mcp") || change.affectsConfiguration("voiden.server")) changed.fire();
    }),
  );
}
