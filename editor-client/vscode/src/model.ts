// The panel's state: sessions and their events, folded from `voiden/events` batches and `voiden/sessions`
// snapshots. Pure (no DOM, no vscode): the webview renders it and the unit tests drive it.
// It mutates in place: a session may hold 100,000 events and copying them per batch would not keep up.

import type { BlockInfo, SessionInfo, VoidenEvent } from "./protocol";

export type SessionState = "connecting" | "open" | "closed" | "failed";

export interface HttpSummary {
  method?: string;
  url?: string;
  status?: number | string;
  statusText?: string;
  headers: Record<string, string>;
  requestHeaders: Record<string, string>;
  timings?: Record<string, number>;
  body: string;
  bodyBinary: boolean;
  bodyTruncated: boolean;
  contentType: string;
}

export interface SessionView {
  id: string;
  request: string;
  uri: string;
  protocol: string;
  state: SessionState;
  live: boolean;
  events: VoidenEvent[];
  /** events the server's bounded log lost before this panel saw them, plus any this panel let go */
  dropped: number;
  lastSeq: number;
  sent: number;
  received: number;
  bytesIn: number;
  bytesOut: number;
  errors: number;
  /** `check` events: expectations judged, and those that failed */
  checks: number;
  checksFailed: number;
  http?: HttpSummary;
  blocks: BlockInfo[];
  /** the URL or address, from `connecting` */
  target?: string;
  /** gRPC `package.Service/Method`, from `connecting` */
  method?: string;
  /** gRPC call kind (`unary`, `server-streaming`, `client-streaming`, `bidi`), from `open` */
  call?: string;
  /** ms from the session's start to its latest event */
  elapsed: number;
}

export type KindFilter = "all" | "messages" | "sent" | "received" | "errors";

/** How many events one session keeps before the oldest go (the list stays smooth far beyond 100,000). */
export const MAX_EVENTS = 250_000;
/** How much of an HTTP body the summary keeps (larger bodies arrive in chunks and stay in the timeline). */
const MAX_BODY = 4 * 1024 * 1024;

const HTTP_PROTOCOLS = new Set(["http", "rest", "https"]);

export class PanelModel {
  readonly sessions = new Map<string, SessionView>();
  /** session ids, oldest first */
  readonly order: string[] = [];
  selected: string | null = null;

  constructor(private readonly maxEvents = MAX_EVENTS) {}

  /** A `voiden/events` batch. Returns the ids of the sessions that changed. */
  applyEvents(events: readonly VoidenEvent[]): Set<string> {
    const changed = new Set<string>();
    for (const event of events) {
      const view = this.ensure(event.session, event.request);
      if (event.seq <= view.lastSeq) continue; // already seen (a snapshot raced the stream)
      this.add(view, event);
      changed.add(view.id);
    }
    this.trim(changed);
    return changed;
  }

  /** The oldest events over the bound go, once a batch (a splice per event made a long stream quadratic). */
  private trim(ids: Set<string>): void {
    for (const id of ids) {
      const view = this.sessions.get(id);
      if (view === undefined || view.events.length <= this.maxEvents) continue;
      const extra = view.events.length - this.maxEvents;
      view.events.splice(0, extra);
      view.dropped += extra;
    }
  }

  /** A `voiden/sessions` answer: sessions this panel missed, events it has not seen, message blocks. */
  applySnapshot(infos: readonly SessionInfo[]): Set<string> {
    const changed = new Set<string>();
    for (const info of infos) {
      const view = this.ensure(info.id, info.request);
      view.uri = info.uri;
      view.protocol = info.protocol;
      view.live = info.live;
      if (info.blocks) view.blocks = info.blocks;
      const first = info.events.length > 0 ? info.events[0].seq : view.lastSeq + 1;
      if (view.lastSeq === 0 && first > 1) view.dropped += first - 1;
      for (const event of info.events) if (event.seq > view.lastSeq) this.add(view, event);
      if (info.events.length === 0 && view.events.length === 0) view.state = asState(info.state);
      changed.add(view.id);
    }
    this.trim(changed);
    return changed;
  }

  /** Session ids grouped by request (the groups in the order their first session came, the sessions of each
   * in the order they came): a request run again lands beside its earlier runs. */
  groups(): { key: string; request: string; ids: string[] }[] {
    const groups = new Map<string, { key: string; request: string; ids: string[] }>();
    for (const id of this.order) {
      const view = this.sessions.get(id);
      if (!view) continue;
      const key = `${view.uri}#${view.request}`;
      let group = groups.get(key);
      if (group === undefined) {
        group = { key, request: view.request, ids: [] };
        groups.set(key, group);
      }
      group.ids.push(id);
    }
    return [...groups.values()];
  }

  /** Forget ended sessions (live ones stay); with `all`, forget every session. */
  clear(all = false): void {
    for (const id of [...this.order]) {
      const view = this.sessions.get(id);
      if (!view) continue;
      if (all || view.state === "closed" || view.state === "failed") {
        this.sessions.delete(id);
        this.order.splice(this.order.indexOf(id), 1);
      }
    }
    if (this.selected !== null && !this.sessions.has(this.selected)) {
      this.selected = this.order.length > 0 ? this.order[this.order.length - 1] : null;
    }
  }

  current(): SessionView | undefined {
    return this.selected === null ? undefined : this.sessions.get(this.selected);
  }

  private ensure(id: string, request: string): SessionView {
    let view = this.sessions.get(id);
    if (view === undefined) {
      view = {
        id,
        request,
        uri: "",
        protocol: "",
        state: "connecting",
        live: false,
        events: [],
        dropped: 0,
        lastSeq: 0,
        sent: 0,
        received: 0,
        bytesIn: 0,
        bytesOut: 0,
        errors: 0,
        checks: 0,
        checksFailed: 0,
        blocks: [],
        elapsed: 0,
      };
      this.sessions.set(id, view);
      this.order.push(id);
      this.selected = id; // the newest session comes to the front
    }
    return view;
  }

  private add(view: SessionView, event: VoidenEvent): void {
    if (event.seq > view.lastSeq + 1 && view.lastSeq > 0) view.dropped += event.seq - view.lastSeq - 1;
    view.lastSeq = event.seq;
    view.events.push(event);
    const size = typeof event.size === "number" ? event.size : 0;
    if (typeof event.time === "number") view.elapsed = Math.max(view.elapsed, event.time);
    switch (event.kind) {
      case "connecting":
        if (view.state !== "failed") view.state = "connecting";
        if (typeof event.target === "string") view.target = event.target;
        if (typeof event.method === "string" && event.method !== "") view.method = event.method;
        break;
      case "open":
        if (view.state !== "failed") view.state = "open";
        if (typeof event.call === "string") view.call = event.call;
        break;
      case "error":
        view.state = "failed";
        view.errors += 1;
        break;
      case "closed":
        if (view.state !== "failed") view.state = "closed";
        view.live = false;
        break;
      case "sent":
        if (!event.control) view.sent += 1;
        view.bytesOut += size;
        break;
      case "received":
        if (!event.control) view.received += 1;
        view.bytesIn += size;
        break;
      case "check":
        view.checks += 1;
        if (event.passed !== true) view.checksFailed += 1;
        break;
      default:
        break;
    }
    if (event.kind === "status" && typeof event.code === "number") view.protocol ||= "http";
    if (event.kind === "sent" && typeof event.method === "string") view.protocol ||= "http";
    if (HTTP_PROTOCOLS.has(view.protocol)) foldHttp(view, event);
  }
}

function foldHttp(view: SessionView, event: VoidenEvent): void {
  const http = (view.http ??= {
    headers: {},
    requestHeaders: {},
    body: "",
    bodyBinary: false,
    bodyTruncated: false,
    contentType: "",
  });
  switch (event.kind) {
    case "sent":
      if (typeof event.method === "string") http.method = event.method;
      if (typeof event.url === "string") http.url = event.url;
      if (event.headers) http.requestHeaders = event.headers;
      break;
    case "open":
      http.headers = event.headers ?? {};
      http.contentType = headerValue(http.headers, "content-type");
      break;
    case "status":
      http.status = event.code;
      http.statusText = event.message;
      break;
    case "received":
      if (http.body.length < MAX_BODY) http.body += payloadText(event);
      http.bodyBinary = event.encoding === "base64";
      http.bodyTruncated ||= event.truncated === true || http.body.length >= MAX_BODY;
      break;
    case "closed":
      if (event.timings) http.timings = event.timings;
      break;
    default:
      break;
  }
}

export function headerValue(headers: Record<string, string>, name: string): string {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return "";
}

function asState(state: string): SessionState {
  return state === "open" || state === "closed" || state === "failed" ? state : "connecting";
}

/** The events of a session that pass the panel's filter (kind buttons and a search text). */
export function filterEvents(events: readonly VoidenEvent[], kind: KindFilter, search: string): VoidenEvent[] {
  const needle = search.trim().toLowerCase();
  if (kind === "all" && needle === "") return events as VoidenEvent[];
  return events.filter((event) => matchesKind(event, kind) && (needle === "" || searchText(event).includes(needle)));
}

function matchesKind(event: VoidenEvent, kind: KindFilter): boolean {
  switch (kind) {
    case "all":
      return true;
    case "messages":
      return (event.kind === "sent" || event.kind === "received") && !event.control;
    case "sent":
      return event.kind === "sent";
    case "received":
      return event.kind === "received";
    case "errors":
      return (
        event.kind === "error" ||
        (event.kind === "status" && !isOkStatus(event.code)) ||
        (event.kind === "check" && event.passed !== true)
      );
  }
}

export function isOkStatus(code: unknown): boolean {
  if (typeof code === "number") return code < 400;
  return code === undefined || code === "OK";
}

function searchText(event: VoidenEvent): string {
  const parts = [event.kind, payloadText(event), event.message, event.event, event.reason, event.target, event.url];
  if (event.code !== undefined) parts.push(String(event.code));
  return parts.filter((part) => typeof part === "string").join("\n").toLowerCase();
}

/** One line describing an event in the timeline. */
export function summary(event: VoidenEvent): string {
  switch (event.kind) {
    case "connecting":
      return `connecting to ${event.target ?? ""}${event.attempt ? ` (attempt ${String(event.attempt)}: ${String(event.reason ?? "")})` : ""}`;
    case "open":
      return `open${typeof event.subprotocol === "string" ? ` (${event.subprotocol})` : ""}`;
    case "sent":
      if (typeof event.method === "string") return `${event.method} ${event.url ?? ""}`;
      return oneLine(event);
    case "received":
      return oneLine(event);
    case "status":
      return `${String(event.code ?? "")} ${event.message ?? ""}`.trim();
    case "trailers":
      return Object.entries(event.headers ?? {})
        .map(([key, value]) => `${key}: ${value}`)
        .join("  ");
    case "error":
      return event.message ?? "error";
    case "closed": {
      const parts = [`closed by ${event.by ?? "?"}`];
      if (event.code !== undefined) parts.push(`code ${String(event.code)}`);
      if (event.reason) parts.push(String(event.reason));
      if (typeof event.messages === "number") parts.push(`${event.messages} received`);
      if (event.timings?.total !== undefined) parts.push(`${event.timings.total.toFixed(1)} ms`);
      return parts.join(", ");
    }
    case "check":
      return `${event.passed === true ? "✔" : "✘"} ${event.passed === true ? String(event.text ?? "") : (event.message ?? "")}  (line ${String(event.line ?? "?")})`;
  }
}

/** The row text: compact JSON (pretty JSON would waste the row on indentation), else the text on one line;
 * long enough to fill the widest row, the rest cut by the row itself. */
function oneLine(event: VoidenEvent): string {
  const label = typeof event.event === "string" ? `[${event.event}] ` : "";
  const flat = payloadText(event);
  return label + (flat.length > 2000 ? flat.slice(0, 2000) : flat).replace(/\s+/g, " ");
}

/** A payload as text, made at display time: JSON values compact (or indented by `indent`), text as it
 * came, binary as its base64. */
export function payloadText(event: VoidenEvent, indent?: number): string {
  if (event.encoding === "json") return JSON.stringify(event.data, null, indent) ?? "null";
  return typeof event.data === "string" ? event.data : "";
}

/** A payload to show: its pretty text, and its JSON value when it has one (for the tree view). */
export function payloadView(event: VoidenEvent): { text: string; json: unknown } {
  if (event.encoding === "json") return { text: payloadText(event, 2), json: event.data };
  return { text: payloadText(event), json: undefined };
}

/** `+12.5 ms`, `+1.25 s`, `+2 m 05 s`: how long after the session started. */
export function relativeTime(ms: number): string {
  if (ms < 1000) return `+${ms.toFixed(1)} ms`;
  if (ms < 60_000) return `+${(ms / 1000).toFixed(2)} s`;
  const minutes = Math.floor(ms / 60_000);
  const seconds = Math.floor((ms % 60_000) / 1000);
  return `+${minutes} m ${String(seconds).padStart(2, "0")} s`;
}

export function formatSize(bytes: number | undefined): string {
  if (bytes === undefined) return "";
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** Pretty JSON when the text is JSON, else the text itself (an HTTP body put together from its chunks). */
export function pretty(data: string): { text: string; json: unknown } {
  const trimmed = data.trimStart();
  if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
    try {
      const json: unknown = JSON.parse(data);
      return { text: JSON.stringify(json, null, 2), json };
    } catch {
      // not JSON after all
    }
  }
  return { text: data, json: undefined };
}

/** What "Save transcript" writes: the session and every event this panel holds. */
export function transcript(view: SessionView): string {
  return JSON.stringify(
    {
      session: view.id,
      request: view.request,
      uri: view.uri,
      protocol: view.protocol,
      state: view.state,
      dropped: view.dropped,
      events: view.events,
    },
    null,
    2,
  );
}

/** What a session's tab says: an HTTP exchange its status (`200 OK`), anything else its state. */
export function tabStatus(view: SessionView): { text: string; tone: "ok" | "bad" | "busy" | "idle" } {
  const status = view.http?.status;
  if (status !== undefined) {
    return { text: `${String(status)} ${view.http?.statusText ?? ""}`.trim(), tone: isOkStatus(status) ? "ok" : "bad" };
  }
  switch (view.state) {
    case "open":
      return { text: "open", tone: "ok" };
    case "connecting":
      return { text: "connecting", tone: "busy" };
    case "failed":
      return { text: "failed", tone: "bad" };
    case "closed":
      return { text: "closed", tone: "idle" };
  }
}

/** A tab's second line: time and size for HTTP, message counts for the rest. */
export function tabDetail(view: SessionView): string {
  if (view.http !== undefined) {
    const total = view.http.timings?.total ?? view.elapsed;
    return `${formatDuration(total)} · ${formatSize(view.bytesIn)}`;
  }
  return `↑${view.sent} ↓${view.received}`;
}

/** The session header's identity: the gRPC method, address and call kind; the HTTP method and URL; else the
 * URL. */
export function headline(view: SessionView): string[] {
  if (view.protocol === "grpc") {
    return [view.method ?? view.request, view.target ?? "", view.call ? callLabel(view.call) : ""].filter((p) => p !== "");
  }
  if (view.http !== undefined) return [`${view.http.method ?? ""} ${view.http.url ?? view.target ?? ""}`.trim()];
  return [view.target ?? view.request];
}

const CALL_LABELS: Record<string, string> = {
  unary: "unary",
  "server-streaming": "server streaming",
  "client-streaming": "client streaming",
  bidi: "bidirectional streaming",
};

export function callLabel(call: string): string {
  return CALL_LABELS[call] ?? call;
}

export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)} s`;
  return `${Math.floor(ms / 60_000)} m ${String(Math.floor((ms % 60_000) / 1000)).padStart(2, "0")} s`;
}

/** A message's own sequence number: the `seq` field of a JSON object's top level, when it has one. */
export function ownSeq(event: VoidenEvent): number | string | undefined {
  const value = event.data;
  if (event.encoding !== "json" || value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  const seq = (value as Record<string, unknown>).seq;
  return typeof seq === "number" || typeof seq === "string" ? seq : undefined;
}
