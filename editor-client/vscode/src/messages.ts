// Messages between the extension host and the panel's webview.

import type { HistoryEntry, SessionInfo } from "./protocol";

export type ToPanel =
  /** A batch of events as JSON text: a string crosses the workbench's renderer as one copy, where a batch of
   * objects is cloned field by field on each of its two hops (a 100,000-message stream fell to 11 frames a
   * second). */
  | { type: "events"; json: string }
  | { type: "sessions"; sessions: SessionInfo[] }
  | { type: "error"; message: string }
  /** A request's earlier runs, from the history (they outlive the server and the editor). */
  | { type: "history"; uri: string; request: string; runs: HistoryEntry[] };

export type FromPanel =
  | { type: "ready" }
  | { type: "send"; session: string; uri: string; block: string | null; text?: string }
  | { type: "close"; session: string }
  | { type: "cancel"; session: string }
  | { type: "resend"; uri: string; request: string; live: boolean }
  | { type: "session"; session: string }
  | { type: "copy"; text: string }
  | { type: "save"; name: string; text: string }
  | { type: "history"; uri: string; request: string }
  | { type: "openRun"; uri: string; id: string };
