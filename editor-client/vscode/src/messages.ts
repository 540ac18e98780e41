// Messages between the extension host and the panel's webview.

import type { SessionInfo, VoidenEvent } from "./protocol";

export type ToPanel =
  | { type: "events"; events: VoidenEvent[] }
  | { type: "sessions"; sessions: SessionInfo[] }
  | { type: "error"; message: string };

export type FromPanel =
  | { type: "ready" }
  | { type: "send"; session: string; uri: string; block: string | null; text?: string }
  | { type: "close"; session: string }
  | { type: "cancel"; session: string }
  | { type: "resend"; uri: string; request: string; live: boolean }
  | { type: "session"; session: string }
  | { type: "copy"; text: string }
  | { type: "save"; name: string; text: string };
