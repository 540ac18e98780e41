// The custom methods and payloads of voiden-lsp (mirrors voiden_lsp/server/protocol.py and
// docs/lsp-extensions.md). The client knows nothing of the document format: it only moves these around.

export const EVENTS = "voiden/events";
export const SESSIONS = "voiden/sessions";
export const ENVIRONMENTS = "voiden/environments";
export const TESTS = "voiden/tests";

export const CMD_RUN = "voiden.run";
export const CMD_CONNECT = "voiden.connect";
export const CMD_SEND = "voiden.send";
export const CMD_CLOSE = "voiden.close";
export const CMD_CANCEL = "voiden.cancel";
export const CMD_SELECT_ENV = "voiden.selectEnv";
export const CMD_TEST = "voiden.test";
/** `[uri, request, target]` -> ExportResult: the request as a command line, nothing sent. */
export const CMD_EXPORT = "voiden.export";
/** Client-side: what the "Copy as ..." code actions carry (the text from CMD_EXPORT, onto the clipboard). */
export const CMD_COPY_AS = "voiden.copyAs";

export interface ExportResult {
  text: string;
  notes: string[];
}

/** `{uri, request}` -> HistoryResult: a request's kept runs, newest first. */
export const HISTORY = "voiden/history";
/** `{uri, id}` -> HistoryRecordResult: one kept run, as a finished session and as text. */
export const HISTORY_RECORD = "voiden/historyRecord";
/** `{uri, request, older?, newer?, ignore?}` -> CompareResult: two runs as texts that compare by meaning. */
export const COMPARE = "voiden/compare";
/** `[uri, request]`: the `History (n)` lens; this client lists the runs itself. */
export const CMD_HISTORY = "voiden.history";
/** `[uri, request, older?, newer?]`: "Compare with the previous run"; this client opens its diff editor. */
export const CMD_COMPARE = "voiden.compare";

export interface HistoryEntry {
  id: string;
  when: string;
  age: string;
  by: string;
  status: string;
  /** Milliseconds to the end of the exchange. */
  duration?: number | null;
  size: string;
  error: string | null;
}

export interface HistoryResult {
  runs: HistoryEntry[];
}

export interface HistoryRecordResult {
  session: SessionInfo;
  text: string;
}

export interface CompareSide {
  id: string;
  title: string;
  text: string;
}

export interface CompareResult {
  older: CompareSide;
  newer: CompareSide;
  same: boolean;
}

/** `[uri, {users?, duration?, yes?}]`: a load run of the saved document as a session (the lens carries
 * `[uri, LoadDetails]`; this client asks for the numbers and confirms a host away from this machine). */
export const CMD_LOAD = "voiden.load";

export interface LoadDetails {
  users?: number | null;
  duration?: string | null;
  hosts: string[];
}

/** Commands that start a session: running one opens the panel. */
export const STARTING_COMMANDS: readonly string[] = [CMD_RUN, CMD_CONNECT, CMD_TEST];

export type EventKind =
  | "connecting"
  | "open"
  | "sent"
  | "received"
  | "status"
  | "trailers"
  | "error"
  | "closed"
  | "check";

export interface LspPosition {
  line: number;
  character: number;
}

export type PayloadEncoding = "json" | "text" | "base64";

export interface VoidenEvent {
  session: string;
  request: string;
  seq: number;
  /** ms since the session started */
  time: number;
  kind: EventKind;
  /** A payload as a value (sent / received): see `encoding`. */
  data?: unknown;
  /** `json`: `data` is the decoded JSON value; `text`: a string; `base64`: the bytes, base64-encoded. */
  encoding?: PayloadEncoding;
  /** Bytes on the wire. */
  size?: number;
  /** The payload was cut to its first `maxPayload` bytes (as `text` or `base64`); `size` is the whole. */
  truncated?: boolean;
  event?: string;
  control?: boolean;
  target?: string;
  headers?: Record<string, string>;
  code?: number | string;
  message?: string;
  details?: unknown[];
  by?: string;
  reason?: string;
  timings?: Record<string, number>;
  method?: string;
  url?: string;
  range?: { start: LspPosition; end: LspPosition };
  [field: string]: unknown;
}

export interface EventsParams {
  events: VoidenEvent[];
}

export interface SessionInfo {
  id: string;
  uri: string;
  request: string;
  protocol: string;
  state: string;
  live: boolean;
  dropped: number;
  events: VoidenEvent[];
  blocks?: BlockInfo[];
}

export interface BlockInfo {
  id: string;
  label: string;
  line: number;
}

export interface SessionsResult {
  sessions: SessionInfo[];
}

export interface EnvironmentsResult {
  environments: string[];
  current: string | null;
  default: string | null;
}

export interface StartResult {
  session: string;
  request: string;
}

/** A `check` event's fields: one expectation judged. `line` is 1-based. */
export interface Check {
  line: number;
  text: string;
  passed: boolean;
  message: string;
  expected?: unknown;
  actual?: unknown;
}

export interface TestItemInfo {
  request: string;
  range: { start: LspPosition; end: LspPosition };
  expectations: { line: number; text: string }[];
}

export interface TestsResult {
  documents: { uri: string; tests: TestItemInfo[] }[];
}

/** What `voiden.test` answers once the run has ended. `duration` is in ms. */
export interface TestResult {
  session: string;
  request: string;
  passed: boolean;
  failure: string | null;
  checks: Check[];
  duration: number;
}
