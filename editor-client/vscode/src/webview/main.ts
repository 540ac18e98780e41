// The live panel (runs in the webview). Holds a PanelModel, renders the selected session: tabs grouped by
// request (an HTTP tab with its status, time and size), a header naming what the session talks to, a
// toolbar that never wraps (the rest in a menu), an HTTP summary, a virtualised timeline (fixed-height rows,
// only the visible ones in the DOM), the selected event pretty or raw, and for live sessions a composer.
// Colours are the workbench's own theme variables and icons its codicons.

import type { FromPanel, ToPanel } from "../messages";
import {
  type KindFilter,
  PanelModel,
  type SessionView,
  filterEvents,
  formatSize,
  headerValue,
  headline,
  isOkStatus,
  ownSeq,
  payloadText,
  payloadView,
  pretty,
  relativeTime,
  summary,
  tabDetail,
  tabStatus,
  transcript,
} from "../model";
import type { HistoryEntry, VoidenEvent } from "../protocol";

interface VsCodeApi {
  postMessage(message: FromPanel): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const ROW = 22;
const OVERSCAN = 20;
const TREE_LIMIT = 3000;

const model = new PanelModel();
let kindFilter: KindFilter = "all";
let search = "";
let selectedSeq: number | null = null;
let follow = true;
let raw = false;
let scheduled = false;
let structureDirty = true;
const asked = new Set<string>();
/** The filtered events of the shown session, extended as events arrive rather than filtered again. */
let filterCache: {
  id: string;
  kind: KindFilter;
  search: string;
  dropped: number;
  length: number;
  result: VoidenEvent[];
} | null = null;

// -- DOM --------------------------------------------------------------------------------------------

function el<K extends keyof HTMLElementTagNameMap>(tag: K, props: Partial<HTMLElementTagNameMap[K]> = {}, ...children: (Node | string)[]): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  Object.assign(node, props);
  for (const child of children) node.append(child);
  return node;
}

/** A toolbar button in the workbench's own style: a codicon, and a label when there is room for one. */
function action(id: string, icon: string, label: string, title: string, run: () => void): HTMLButtonElement {
  const button = el("button", { id, className: "action", title });
  button.append(el("i", { className: `codicon codicon-${icon}` }), el("span", { className: "label", textContent: label }));
  button.setAttribute("aria-label", title);
  button.addEventListener("click", run);
  return button;
}

const app = document.getElementById("app") as HTMLElement;
const tabs = el("div", { className: "tabs", role: "tablist" });
const empty = el("div", { className: "empty" }, "No sessions yet. Click ▶ Send or ▶ Connect above a request.");
const header = el("div", { className: "session-header" });
const toolbar = el("div", { className: "toolbar" });
const httpBox = el("div", { className: "http" });
/** A load run's figures (`voiden.load`): the latest per-request table and the run's rps and p95 over time. */
const loadBox = el("div", { className: "load" });
const timeline = el("div", { className: "timeline", tabIndex: 0 });
timeline.setAttribute("aria-label", "events");
const spacer = el("div", { className: "spacer" });
const rows = el("div", { className: "rows" });
spacer.append(rows);
timeline.append(spacer);
const detail = el("div", { className: "detail" });
const composer = el("div", { className: "composer" });
const errorBar = el("div", { className: "error-bar", hidden: true });
app.append(tabs, errorBar, empty, header, toolbar, httpBox, loadBox, timeline, detail, composer);

const filters: [KindFilter, string][] = [
  ["all", "All events"],
  ["messages", "Messages"],
  ["sent", "Sent"],
  ["received", "Received"],
  ["errors", "Errors"],
];
const filterPicker = el("select", { className: "filter", title: "Show only these events" });
filterPicker.setAttribute("aria-label", "Show");
for (const [kind, label] of filters) filterPicker.append(el("option", { value: kind, textContent: label }));
filterPicker.addEventListener("change", () => {
  kindFilter = filterPicker.value as KindFilter;
  invalidate(true);
});
const searchBox = el("input", { type: "search", placeholder: "Search", className: "search" });
searchBox.setAttribute("aria-label", "Search events");
searchBox.addEventListener("input", () => {
  search = searchBox.value;
  invalidate(true);
});
const resendButton = action("resend", "refresh", "Resend", "Send this request again (a new session beside this one)", () => {
  const view = model.current();
  if (view) vscode.postMessage({ type: "resend", uri: view.uri, request: view.request, live: view.live || view.protocol !== "http" });
});
const closeButton = action("close", "debug-disconnect", "Close", "Close the session (half-close a gRPC call)", () => {
  const view = model.current();
  if (view) vscode.postMessage({ type: "close", session: view.id });
});
const cancelButton = action("cancel", "debug-stop", "Cancel", "Cancel the session", () => {
  const view = model.current();
  if (view) vscode.postMessage({ type: "cancel", session: view.id });
});
// what the toolbar has no room for lives in a menu, so that the toolbar never wraps
const menu = el("div", { className: "menu", role: "menu", hidden: true });
function menuItem(id: string, icon: string, label: string, run: () => void): HTMLButtonElement {
  const item = el("button", { id, className: "menu-item", role: "menuitem" });
  item.append(el("i", { className: `codicon codicon-${icon}` }), el("span", { textContent: label }));
  item.addEventListener("click", () => {
    menu.hidden = true;
    run();
  });
  return item;
}
const rawItem = menuItem("raw", "code", "Show raw messages", () => {
  raw = !raw;
  invalidate(true);
});
menu.append(
  rawItem,
  menuItem("clear", "clear-all", "Clear ended sessions", () => {
    model.clear();
    selectedSeq = null;
    invalidate(true);
  }),
  menuItem("save", "save", "Save transcript as JSON…", () => {
    const view = model.current();
    if (view) vscode.postMessage({ type: "save", name: `${view.request}-${view.id}`, text: transcript(view) });
  }),
);
const moreButton = action("more", "ellipsis", "", "More actions", () => {
  menu.hidden = !menu.hidden;
});
document.addEventListener("click", (event) => {
  if (!menu.hidden && !moreButton.contains(event.target as Node) && !menu.contains(event.target as Node)) menu.hidden = true;
});
// the request's earlier runs, from the history: they outlive the server and the editor
const runsPicker = el("select", { className: "runs", title: "Earlier runs of this request (kept in the history)" });
runsPicker.setAttribute("aria-label", "Earlier runs");
/** Runs per `uri#request`, as the extension last listed them; a request's entry is dropped when it runs again. */
const runs = new Map<string, HistoryEntry[]>();
const askedRuns = new Set<string>();
runsPicker.addEventListener("change", () => {
  const view = model.current();
  const id = runsPicker.value;
  runsPicker.value = "";
  if (view && id) vscode.postMessage({ type: "openRun", uri: view.uri, id });
});
const actions = el("div", { className: "actions" }, resendButton, closeButton, cancelButton, moreButton, menu);
toolbar.append(filterPicker, searchBox, runsPicker, actions);

const blockPicker = el("select", { className: "blocks" });
blockPicker.setAttribute("aria-label", "Message to send");
const messageBox = el("textarea", { className: "message", rows: 3, placeholder: "Type a message (templates are expanded when sent)" });
messageBox.setAttribute("aria-label", "Message text");
const sendButton = el("button", { id: "send", className: "primary", title: "Send (Ctrl+Enter)" });
sendButton.append(el("i", { className: "codicon codicon-send" }), el("span", { textContent: "Send" }));
blockPicker.addEventListener("change", () => {
  messageBox.disabled = blockPicker.value !== "";
});
function sendMessage(): void {
  const view = model.current();
  if (!view) return;
  if (blockPicker.value !== "") {
    vscode.postMessage({ type: "send", session: view.id, uri: view.uri, block: blockPicker.value });
  } else if (messageBox.value.trim() !== "") {
    vscode.postMessage({ type: "send", session: view.id, uri: view.uri, block: null, text: messageBox.value });
  }
}
sendButton.addEventListener("click", sendMessage);
messageBox.addEventListener("keydown", (event) => {
  if (event.key === "Enter" && (event.ctrlKey || event.metaKey)) sendMessage();
});
composer.append(blockPicker, messageBox, sendButton);

timeline.addEventListener("scroll", () => {
  // the scroll a render made itself (following the newest row) is drawn already: only the user's is new
  if (timeline.scrollTop === renderedTop) return;
  follow = timeline.scrollTop + timeline.clientHeight >= timeline.scrollHeight - ROW;
  renderRows();
});
rows.addEventListener("click", (event) => {
  const row = (event.target as HTMLElement).closest<HTMLElement>(".row");
  if (!row?.dataset.seq) return;
  selectedSeq = Number(row.dataset.seq);
  renderRows();
  renderDetail();
});

// -- messages from the extension ---------------------------------------------------------------------

window.addEventListener("message", (message: MessageEvent<ToPanel>) => {
  const data = message.data;
  switch (data.type) {
    case "events": {
      const events = JSON.parse(data.json) as VoidenEvent[];
      const before = model.order.length;
      const changed = model.applyEvents(events);
      for (const event of events) {
        // ask the server about a session when first seen (protocol, document, message blocks) and again once
        // it opens (whether it takes messages is known by then: a gRPC call's kind comes with its schema)
        if (event.kind === "closed") {
          const ended = model.sessions.get(event.session);
          if (ended) forgetRuns(ended.request, true); // this run joins the history (its document may be unknown yet)
        }
        const key = event.kind === "open" ? `${event.session} open` : event.session;
        if (!asked.has(key)) {
          asked.add(key);
          vscode.postMessage({ type: "session", session: event.session });
        }
      }
      const current = model.selected;
      invalidate(model.order.length !== before || (current !== null && changed.has(current) && headerChanged(events)));
      break;
    }
    case "sessions":
      model.applySnapshot(data.sessions);
      invalidate(true);
      break;
    case "history":
      runs.set(`${data.uri}#${data.request}`, data.runs);
      invalidate(true);
      break;
    case "error":
      errorBar.textContent = data.message;
      errorBar.hidden = false;
      setTimeout(() => (errorBar.hidden = true), 6000);
      break;
  }
});

/** The runs of a request are listed afresh; `again`: once more a moment later, since the server keeps a run when
 * its transport has let go, a few milliseconds after the `closed` event that may already be here. */
function forgetRuns(request: string, again = false): void {
  for (const key of [...askedRuns]) {
    if (key.endsWith(`#${request}`)) {
      runs.delete(key);
      askedRuns.delete(key);
    }
  }
  if (again) {
    setTimeout(() => {
      forgetRuns(request);
      invalidate(true);
    }, 500);
  }
}

function headerChanged(events: VoidenEvent[]): boolean {
  return events.some((e) => e.kind !== "sent" && e.kind !== "received");
}

/** A stream redraws the panel at most this often: nobody reads 10,000 rows a second, and a frame that lays
 * out the timeline again for each batch left the panel 2 frames a second on a busy machine. What the user
 * does (a click, a scroll, a filter, a new session) is drawn in the next frame. */
const STREAM_RENDER_MS = 100;
let lastRender = 0;

function invalidate(structure: boolean): void {
  structureDirty ||= structure;
  if (scheduled) return;
  scheduled = true;
  const frame = (): void => {
    requestAnimationFrame(() => {
      scheduled = false;
      lastRender = performance.now();
      render();
    });
  };
  const wait = structureDirty ? 0 : lastRender + STREAM_RENDER_MS - performance.now();
  if (wait > 0) setTimeout(frame, wait);
  else frame();
}

// -- rendering ---------------------------------------------------------------------------------------

let shownSession: string | null = null;
/** The timeline's scroll position as the last render drew it. */
let renderedTop = -1;

function render(): void {
  const view = model.current();
  if (model.selected !== shownSession) {
    // another session came to the front: its own selection and scroll
    shownSession = model.selected;
    selectedSeq = null;
    follow = true;
    structureDirty = true;
  }
  empty.hidden = view !== undefined;
  for (const part of [header, toolbar, timeline, detail]) part.hidden = view === undefined;
  if (structureDirty) {
    structureDirty = false;
    renderTabs();
    if (view) {
      renderHeader(view);
      renderToolbar(view);
      renderComposer(view);
      renderHttp(view);
      renderLoad(view);
      renderDetail();
    } else {
      composer.hidden = true;
      httpBox.hidden = true;
      loadBox.hidden = true;
    }
  } else if (view) {
    renderHeader(view);
    renderTabCounts();
    if (view.http) renderHttp(view);
    if (view.protocol === "load") renderLoad(view);
  }
  renderRows();
}

function renderTabs(): void {
  tabs.replaceChildren();
  for (const group of model.groups()) {
    const box = el("div", { className: "tab-group", role: "group" });
    box.setAttribute("aria-label", group.request);
    group.ids.forEach((id, index) => {
      const view = model.sessions.get(id);
      if (!view) return;
      const tab = el("button", { className: `tab${id === model.selected ? " selected" : ""}`, role: "tab" });
      tab.dataset.session = id;
      tab.setAttribute("aria-selected", String(id === model.selected));
      const name = index === 0 ? view.request : `#${index + 1}`;
      tab.title = `${view.request} (${view.protocol || "session"}), session ${view.id}`;
      tab.append(badge(view), el("span", { className: "name", textContent: name }), el("span", { className: "count" }));
      tab.addEventListener("click", () => {
        model.selected = id;
        selectedSeq = null;
        follow = true;
        invalidate(true);
      });
      box.append(tab);
    });
    tabs.append(box);
  }
  renderTabCounts();
  tabs.querySelector(".tab.selected")?.scrollIntoView({ block: "nearest", inline: "nearest" });
}

function renderTabCounts(): void {
  for (const tab of Array.from(tabs.querySelectorAll<HTMLElement>(".tab"))) {
    const view = model.sessions.get(tab.dataset.session ?? "");
    if (!view) continue;
    const badgeNode = tab.querySelector(".badge");
    if (badgeNode) badgeNode.replaceWith(badge(view));
    const count = tab.querySelector(".count");
    if (count) count.textContent = tabDetail(view);
  }
}

function badge(view: SessionView): HTMLElement {
  const status = tabStatus(view);
  return el("span", { className: `badge state-${view.state} tone-${status.tone}`, textContent: status.text });
}

function renderHeader(view: SessionView): void {
  const identity = el("span", { className: "identity" });
  identity.append(badge(view), el("span", { className: "protocol", textContent: (view.protocol || "session").toUpperCase() }));
  for (const part of headline(view)) identity.append(el("span", { className: "part", textContent: part }));
  const stats = [`↑ ${view.sent} sent (${formatSize(view.bytesOut)})`, `↓ ${view.received} received (${formatSize(view.bytesIn)})`];
  if (view.errors > 0) stats.push(`${view.errors} error${view.errors > 1 ? "s" : ""}`);
  if (view.checks > 0)
    stats.push(view.checksFailed > 0 ? `✘ ${view.checksFailed} of ${view.checks} failed` : `✔ ${view.checks} passed`);
  if (view.dropped > 0) stats.push(`${view.dropped} earlier events not kept`);
  header.replaceChildren(identity, el("span", { className: "stats", textContent: stats.join("  ·  ") }));
  header.title = `${view.request}: ${headline(view).join(" · ")}`;
  const ended = view.state === "closed" || view.state === "failed";
  closeButton.disabled = ended;
  cancelButton.disabled = ended;
  if (ended && !composer.hidden) renderComposer(view);
}

function renderToolbar(view: SessionView): void {
  filterPicker.value = kindFilter;
  closeButton.hidden = !view.live;
  cancelButton.hidden = view.state === "closed" || view.state === "failed";
  resendButton.hidden = view.uri === "";
  renderRuns(view);
  (rawItem.lastChild as HTMLElement).textContent = raw ? "Show pretty messages" : "Show raw messages";
}

function renderRuns(view: SessionView): void {
  const key = `${view.uri}#${view.request}`;
  const known = runs.get(key);
  if (known === undefined && view.uri !== "" && !askedRuns.has(key)) {
    askedRuns.add(key);
    vscode.postMessage({ type: "history", uri: view.uri, request: view.request });
  }
  const list = known ?? [];
  runsPicker.hidden = list.length === 0;
  runsPicker.replaceChildren(el("option", { value: "", textContent: `History (${list.length})` }));
  for (const run of list) {
    const time = run.duration == null ? "" : ` · ${Math.round(run.duration)} ms`;
    runsPicker.append(el("option", { value: run.id, textContent: `${run.age} · ${run.status}${time} · ${run.size} · ${run.by}` }));
  }
}

function renderComposer(view: SessionView): void {
  const open = view.state === "open" || view.state === "connecting";
  composer.hidden = !(view.live && open);
  if (composer.hidden) return;
  const chosen = blockPicker.value;
  blockPicker.replaceChildren(el("option", { value: "", textContent: "Type a message…" }));
  for (const block of view.blocks) {
    blockPicker.append(el("option", { value: block.id, textContent: `line ${block.line + 1}: ${block.label}` }));
  }
  if (view.blocks.some((b) => b.id === chosen)) blockPicker.value = chosen;
  messageBox.disabled = blockPicker.value !== "";
}

interface LoadRow {
  requests?: number;
  failures?: number;
  rps?: number;
  p50?: number;
  p95?: number;
  p99?: number;
}

interface LoadFigures {
  total?: LoadRow;
  requests?: Record<string, LoadRow>;
  users?: number;
}

function renderLoad(view: SessionView): void {
  loadBox.hidden = view.protocol !== "load";
  if (loadBox.hidden) return;
  const figures = view.events
    .filter((e) => e.kind === "received" && (e.event === "stats" || e.event === "final"))
    .map((e) => e.data as LoadFigures);
  const latest = figures.at(-1);
  if (latest === undefined) {
    loadBox.replaceChildren(el("div", { className: "note", textContent: "Starting the users…" }));
    return;
  }
  const table = el("table", { className: "load-table" });
  const head = el("tr");
  for (const name of ["request", "requests", "failures", "rps", "p50", "p95", "p99"]) head.append(el("th", { textContent: name }));
  table.append(head);
  const rows: [string, LoadRow][] = [...Object.entries(latest.requests ?? {}), ["total", latest.total ?? {}]];
  for (const [name, row] of rows) {
    const line = el("tr", { className: name === "total" ? "total" : (row.failures ?? 0) > 0 ? "failing" : "" });
    line.append(el("td", { textContent: name }));
    for (const value of [row.requests, row.failures, row.rps, row.p50, row.p95, row.p99]) {
      line.append(el("td", { textContent: value === undefined ? "" : String(Math.round(value * 10) / 10) }));
    }
    table.append(line);
  }
  const stats = figures.filter((f) => f.total !== undefined);
  loadBox.replaceChildren(
    el("div", { className: "charts" }, chart("rps", stats.map((f) => f.total?.rps ?? 0)), chart("p95 ms", stats.map((f) => f.total?.p95 ?? 0)), chart("failures", stats.map((f) => f.total?.failures ?? 0))),
    table,
  );
}

/** A small line chart (SVG) of a figure over the run, a point a second, with its latest value. */
function chart(label: string, values: number[]): HTMLElement {
  const width = 160;
  const height = 36;
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 2) - 1).toFixed(1)}`).join(" ");
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("class", "chart");
  svg.setAttribute("viewBox", `0 0 ${width} ${height}`);
  svg.setAttribute("width", String(width));
  svg.setAttribute("height", String(height));
  const line = document.createElementNS("http://www.w3.org/2000/svg", "polyline");
  line.setAttribute("points", points);
  svg.append(line);
  const latest = values.at(-1);
  return el("figure", { className: "figure" }, svg, el("figcaption", { textContent: `${label} ${latest === undefined ? "" : Math.round(latest * 10) / 10}` }));
}

function renderHttp(view: SessionView): void {
  const http = view.http;
  httpBox.hidden = http === undefined;
  if (!http) return;
  const ok = isOkStatus(http.status);
  const status = el("span", {
    className: `status ${http.status === undefined ? "" : ok ? "ok" : "bad"}`,
    textContent: http.status === undefined ? "…" : `${String(http.status)} ${http.statusText ?? ""}`,
  });
  const line = el("div", { className: "http-line" }, status, ` ${http.method ?? ""} ${http.url ?? ""}`);
  const timings = http.timings
    ? el(
        "div",
        { className: "timings" },
        Object.entries(http.timings)
          .map(([name, ms]) => `${name.replace("_", " ")} ${ms.toFixed(1)} ms`)
          .join("  ·  "),
      )
    : el("div");
  const headers = el("details", { className: "headers" }, el("summary", { textContent: `Response headers (${Object.keys(http.headers).length})` }));
  headers.append(headerTable(http.headers));
  const sentHeaders = el("details", { className: "headers" }, el("summary", { textContent: `Request headers (${Object.keys(http.requestHeaders).length})` }));
  sentHeaders.append(headerTable(http.requestHeaders));
  const body = el("div", { className: "body" });
  const type = http.contentType || headerValue(http.headers, "content-type");
  if (http.bodyBinary && type.startsWith("image/")) {
    body.append(el("img", { src: `data:${type.split(";")[0]};base64,${http.body}`, alt: "response image" }));
  } else if (http.body !== "") {
    body.append(valueView(pretty(http.body)));
  }
  if (http.bodyTruncated) body.append(el("div", { className: "note", textContent: "The body is cut here; the timeline holds every chunk." }));
  httpBox.replaceChildren(line, timings, headers, sentHeaders, body);
}

function headerTable(headers: Record<string, string>): HTMLElement {
  const table = el("table");
  for (const [name, value] of Object.entries(headers)) {
    table.append(el("tr", {}, el("th", { textContent: name }), el("td", { textContent: value })));
  }
  return table;
}

function visibleEvents(view: SessionView): VoidenEvent[] {
  if (kindFilter === "all" && search.trim() === "") return view.events;
  const cache = filterCache;
  const reusable =
    cache !== null &&
    cache.id === view.id &&
    cache.kind === kindFilter &&
    cache.search === search &&
    cache.dropped === view.dropped &&
    view.events.length >= cache.length;
  if (reusable) {
    cache.result.push(...filterEvents(view.events.slice(cache.length), kindFilter, search));
    cache.length = view.events.length;
    return cache.result;
  }
  const result = filterEvents(view.events, kindFilter, search).slice();
  filterCache = { id: view.id, kind: kindFilter, search, dropped: view.dropped, length: view.events.length, result };
  return result;
}

function renderRows(): void {
  const view = model.current();
  if (!view) return;
  const events = visibleEvents(view);
  spacer.style.height = `${events.length * ROW}px`;
  if (follow) timeline.scrollTop = timeline.scrollHeight;
  renderedTop = timeline.scrollTop;
  const first = Math.max(0, Math.floor(timeline.scrollTop / ROW) - OVERSCAN);
  const last = Math.min(events.length, Math.ceil((timeline.scrollTop + timeline.clientHeight) / ROW) + OVERSCAN);
  rows.style.transform = `translateY(${first * ROW}px)`;
  const fragment = document.createDocumentFragment();
  for (let index = first; index < last; index++) fragment.append(row(events[index]));
  rows.replaceChildren(fragment);
}

function row(event: VoidenEvent): HTMLElement {
  const node = el("div", { className: `row kind-${event.kind}${event.control ? " control" : ""}${event.seq === selectedSeq ? " selected" : ""}` });
  node.dataset.seq = String(event.seq);
  const arrow = event.kind === "sent" ? "↑" : event.kind === "received" ? "↓" : event.kind === "error" ? "✕" : "•";
  const statusClass =
    event.kind === "status"
      ? isOkStatus(event.code)
        ? " ok"
        : " bad"
      : event.kind === "check"
        ? event.passed === true
          ? " ok"
          : " bad"
        : "";
  node.append(
    el("span", { className: "time", textContent: relativeTime(event.time) }),
    el("span", { className: "arrow", textContent: arrow }),
    el("span", { className: `kind${statusClass}`, textContent: event.kind }),
    el("span", { className: "size", textContent: formatSize(event.size) }),
    el("span", { className: "text", textContent: summary(event) }),
  );
  return node;
}

function renderDetail(): void {
  const view = model.current();
  const event = view?.events.find((e) => e.seq === selectedSeq);
  if (!event) {
    detail.replaceChildren(el("div", { className: "note", textContent: "Select an event to see it whole." }));
    return;
  }
  const payload = event.data !== undefined;
  const text = payload ? payloadText(event, 2) : JSON.stringify(event, null, 2);
  const copy = action("copy", "copy", "Copy", "Copy this message", () => vscode.postMessage({ type: "copy", text }));
  const toggle = action("toggle-raw", raw ? "json" : "code", raw ? "Pretty" : "Raw", raw ? "Show it pretty" : "Show it as it came", () => {
    raw = !raw;
    renderDetail();
    renderToolbar(view as SessionView);
  });
  const own = ownSeq(event);
  const heading = [event.kind, ...(own !== undefined ? [`seq ${String(own)}`] : []), `event #${event.seq}`, relativeTime(event.time)];
  if (typeof event.event === "string") heading.splice(1, 0, event.event);
  const title = el("div", { className: "detail-title" }, el("span", { className: "what", textContent: heading.join(" · ") }), toggle, copy);
  const rest = JSON.stringify(withoutEnvelope(event));
  const body = raw
    ? el("pre", { className: "value raw", textContent: payload ? payloadText(event) : rest })
    : valueView(payload ? payloadView(event) : pretty(rest));
  const parts: Node[] = [title, body];
  if (event.truncated) parts.push(el("div", { className: "note", textContent: `Cut for display: ${formatSize(event.size)} in all.` }));
  if (event.headers && payload) parts.push(headerTable(event.headers));
  detail.replaceChildren(...parts);
}

function withoutEnvelope(event: VoidenEvent): Record<string, unknown> {
  const { session: _s, request: _r, seq: _q, time: _t, kind: _k, ...rest } = event;
  return rest;
}

/** Pretty JSON as a collapsible tree (or plain text). */
function valueView({ text, json }: { text: string; json: unknown }): HTMLElement {
  if (json === undefined || text.length > TREE_LIMIT * 40) return el("pre", { className: "value", textContent: text });
  let budget = TREE_LIMIT;
  const tree = (value: unknown, key: string | null): HTMLElement => {
    budget -= 1;
    const label = key === null ? "" : `${JSON.stringify(key)}: `;
    if (value !== null && typeof value === "object" && budget > 0) {
      const entries = Array.isArray(value) ? value.map((v, i) => [String(i), v] as const) : Object.entries(value);
      const open = Array.isArray(value) ? `[${entries.length}]` : `{${entries.length}}`;
      const node = el("details", { open: true, className: "json" }, el("summary", {}, el("span", { className: "key", textContent: label }), open));
      for (const [k, v] of entries) node.append(tree(v, Array.isArray(value) ? null : k));
      return node;
    }
    const leaf = el("div", { className: "json leaf" }, el("span", { className: "key", textContent: label }));
    leaf.append(el("span", { className: `v-${value === null ? "null" : typeof value}`, textContent: JSON.stringify(value) }));
    return leaf;
  };
  return el("div", { className: "value tree" }, tree(json, null));
}

render();
vscode.postMessage({ type: "ready" });
