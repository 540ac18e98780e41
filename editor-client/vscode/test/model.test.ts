import assert from "node:assert/strict";
import { test } from "node:test";
import {
  PanelModel,
  filterEvents,
  headline,
  ownSeq,
  payloadText,
  payloadView,
  relativeTime,
  summary,
  tabDetail,
  tabStatus,
  transcript,
} from "../src/model";
import type { SessionInfo, VoidenEvent } from "../src/protocol";

function ev(session: string, seq: number, kind: VoidenEvent["kind"], extra: Partial<VoidenEvent> = {}): VoidenEvent {
  return { session, request: "chat", seq, time: seq * 10, kind, ...extra };
}

test("a bidi session goes connecting -> open -> closed, counting messages both ways", () => {
  const model = new PanelModel();
  model.applyEvents([ev("s1", 1, "connecting", { target: "127.0.0.1:1" }), ev("s1", 2, "sent", { data: {}, encoding: "json", size: 2 })]);
  assert.equal(model.current()?.state, "connecting");
  model.applyEvents([
    ev("s1", 3, "open", { headers: {} }),
    ev("s1", 4, "received", { data: { a: 1 }, encoding: "json", size: 7 }),
    ev("s1", 5, "received", { data: "ping", encoding: "text", control: true, event: "ping" }),
  ]);
  const view = model.sessions.get("s1");
  assert.ok(view);
  assert.equal(view.state, "open");
  assert.deepEqual([view.sent, view.received, view.bytesIn, view.bytesOut], [1, 1, 7, 2]);
  model.applyEvents([ev("s1", 6, "status", { code: "OK" }), ev("s1", 7, "closed", { by: "server" })]);
  assert.equal(view.state, "closed");
  assert.equal(view.events.length, 7);
});

test("an error makes the session failed, and a later close does not hide it", () => {
  const model = new PanelModel();
  model.applyEvents([ev("s2", 1, "connecting"), ev("s2", 2, "error", { message: "refused" }), ev("s2", 3, "closed")]);
  const view = model.sessions.get("s2");
  assert.equal(view?.state, "failed");
  assert.equal(view?.errors, 1);
});

test("events seen twice (a snapshot racing the stream) are kept once; gaps count as dropped", () => {
  const model = new PanelModel();
  model.applyEvents([ev("s1", 1, "connecting"), ev("s1", 2, "open")]);
  const info: SessionInfo = {
    id: "s1",
    uri: "file:///a.voiden",
    request: "chat",
    protocol: "grpc",
    state: "open",
    live: true,
    dropped: 0,
    events: [ev("s1", 1, "connecting"), ev("s1", 2, "open"), ev("s1", 3, "received", { data: "x", encoding: "text" })],
    blocks: [{ id: "m1", label: '{"message": 1}', line: 9 }],
  };
  model.applySnapshot([info]);
  const view = model.sessions.get("s1");
  assert.deepEqual(
    view?.events.map((e) => e.seq),
    [1, 2, 3],
  );
  assert.equal(view?.blocks[0].id, "m1");
  assert.equal(view?.uri, "file:///a.voiden");
  model.applyEvents([ev("s1", 3, "received"), ev("s1", 6, "received")]);
  assert.deepEqual(
    view?.events.map((e) => e.seq),
    [1, 2, 3, 6],
  );
  assert.equal(view?.dropped, 2);
});

test("a late snapshot whose log starts after seq 1 says how many events were lost", () => {
  const model = new PanelModel();
  model.applySnapshot([
    { id: "s9", uri: "", request: "feed", protocol: "ws", state: "open", live: true, dropped: 40, events: [ev("s9", 41, "received")] },
  ]);
  assert.equal(model.sessions.get("s9")?.dropped, 40);
});

test("the log is bounded: the oldest events go and are counted", () => {
  const model = new PanelModel(100);
  const batch: VoidenEvent[] = [];
  for (let seq = 1; seq <= 250; seq++) batch.push(ev("s1", seq, "received", { data: String(seq), encoding: "text" }));
  model.applyEvents(batch);
  const view = model.sessions.get("s1");
  assert.equal(view?.events.length, 100);
  assert.equal(view?.events[0].seq, 151);
  assert.equal(view?.dropped, 150);
  assert.equal(view?.received, 250);
});

test("HTTP sessions fold into a summary: request line, status, headers, body, timings", () => {
  const model = new PanelModel();
  model.applyEvents([
    { ...ev("h1", 1, "connecting"), request: "get-user" },
    ev("h1", 2, "sent", { method: "GET", url: "http://x/u/1", headers: { accept: "*/*" }, data: "", encoding: "text" }),
    ev("h1", 3, "open", { headers: { "Content-Type": "application/json" } }),
    ev("h1", 4, "status", { code: 404, message: "Not Found" }),
    ev("h1", 5, "received", { data: '{"error":', encoding: "text", size: 9 }),
    ev("h1", 6, "received", { data: '"none"}', encoding: "text", size: 7 }),
    ev("h1", 7, "closed", { by: "server", timings: { connect: 1, first_byte: 2, total: 3 } }),
  ]);
  const http = model.sessions.get("h1")?.http;
  assert.ok(http);
  assert.deepEqual([http.method, http.url, http.status, http.statusText], ["GET", "http://x/u/1", 404, "Not Found"]);
  assert.equal(http.contentType, "application/json");
  assert.equal(http.body, '{"error":"none"}');
  assert.deepEqual(http.timings, { connect: 1, first_byte: 2, total: 3 });
  assert.deepEqual(
    filterEvents(model.sessions.get("h1")?.events ?? [], "errors", "").map((e) => e.seq),
    [4],
  );
});

test("the filter keeps kinds and searches data, messages and event names", () => {
  const events = [
    ev("s", 1, "connecting"),
    ev("s", 2, "sent", { data: { message: "hello" }, encoding: "json" }),
    ev("s", 3, "received", { data: { message: "echo: hello" }, encoding: "json" }),
    ev("s", 4, "received", { event: "ping", control: true, data: "", encoding: "text" }),
    ev("s", 5, "error", { message: "stream reset" }),
  ];
  const seqs = (list: VoidenEvent[]) => list.map((e) => e.seq);
  assert.deepEqual(seqs(filterEvents(events, "all", "")), [1, 2, 3, 4, 5]);
  assert.deepEqual(seqs(filterEvents(events, "messages", "")), [2, 3]);
  assert.deepEqual(seqs(filterEvents(events, "received", "")), [3, 4]);
  assert.deepEqual(seqs(filterEvents(events, "all", "ECHO")), [3]);
  assert.deepEqual(seqs(filterEvents(events, "all", "reset")), [5]);
  assert.deepEqual(seqs(filterEvents(events, "sent", "echo")), []);
});

test("clear forgets ended sessions and keeps live ones", () => {
  const model = new PanelModel();
  model.applyEvents([ev("a", 1, "connecting"), ev("a", 2, "closed"), ev("b", 1, "connecting"), ev("b", 2, "open")]);
  model.clear();
  assert.deepEqual(model.order, ["b"]);
  assert.equal(model.selected, "b");
  model.clear(true);
  assert.deepEqual(model.order, []);
  assert.equal(model.selected, null);
});

test("timeline words: relative times, one-line summaries, transcript", () => {
  assert.equal(relativeTime(12.34), "+12.3 ms");
  assert.equal(relativeTime(1250), "+1.25 s");
  assert.equal(relativeTime(125_000), "+2 m 05 s");
  assert.equal(summary(ev("s", 1, "received", { data: { a: 1 }, encoding: "json", event: "tick" })), '[tick] {"a":1}');
  assert.equal(summary(ev("s", 2, "closed", { by: "client", reason: "cancelled", messages: 3 })), "closed by client, cancelled, 3 received");
  const model = new PanelModel();
  model.applyEvents([ev("s", 1, "connecting")]);
  const view = model.current();
  assert.ok(view);
  assert.deepEqual(JSON.parse(transcript(view)).events, [ev("s", 1, "connecting")]);
});

test("an HTTP tab says its status, time and size; others their state and counts", () => {
  const model = new PanelModel();
  model.applyEvents([
    ev("h1", 1, "connecting", { target: "http://x/users" }),
    ev("h1", 2, "sent", { method: "GET", url: "http://x/users", headers: {}, data: "", encoding: "text", size: 0 }),
    ev("h1", 3, "open", { headers: { "content-type": "application/json" } }),
    ev("h1", 4, "status", { code: 200, message: "OK" }),
    ev("h1", 5, "received", { data: [1, 2], encoding: "json", size: 2048 }),
    ev("h1", 6, "closed", { by: "server", timings: { total: 123.4 } }),
  ]);
  const http = model.sessions.get("h1");
  assert.ok(http);
  assert.deepEqual(tabStatus(http), { text: "200 OK", tone: "ok" });
  assert.equal(tabDetail(http), "123 ms · 2.0 KiB");
  assert.deepEqual(headline(http), ["GET http://x/users"]);
  model.applyEvents([ev("w1", 1, "connecting", { target: "ws://x/echo" }), ev("w1", 2, "open", {})]);
  const ws = model.sessions.get("w1");
  assert.ok(ws);
  assert.deepEqual(tabStatus(ws), { text: "open", tone: "ok" });
  assert.equal(tabDetail(ws), "↑0 ↓0");
  assert.deepEqual(headline(ws), ["ws://x/echo"]);
});

test("a gRPC header names the method, the address and the call kind", () => {
  const model = new PanelModel();
  model.applySnapshot([
    { id: "g1", uri: "file:///a.voiden", request: "chat", protocol: "grpc", state: "connecting", live: true, dropped: 0, events: [] },
  ]);
  model.applyEvents([
    ev("g1", 1, "connecting", { target: "grpc://127.0.0.1:50051", method: "routeguide.RouteGuide/RouteChat" }),
    ev("g1", 2, "open", { headers: {}, call: "bidi" }),
  ]);
  const view = model.sessions.get("g1");
  assert.ok(view);
  assert.deepEqual(headline(view), ["routeguide.RouteGuide/RouteChat", "grpc://127.0.0.1:50051", "bidirectional streaming"]);
});

test("sessions group by request, a rerun beside its earlier runs", () => {
  const model = new PanelModel();
  const info = (id: string, request: string): SessionInfo => ({
    id,
    uri: "file:///a.voiden",
    request,
    protocol: "ws",
    state: "closed",
    live: false,
    dropped: 0,
    events: [],
  });
  model.applySnapshot([info("s1", "echo"), info("s2", "chat"), info("s3", "echo")]);
  assert.deepEqual(
    model.groups().map((g) => [g.request, g.ids]),
    [
      ["echo", ["s1", "s3"]],
      ["chat", ["s2"]],
    ],
  );
});

test("a message's own seq, and rows as compact JSON", () => {
  assert.equal(ownSeq(ev("s", 9, "received", { data: { seq: 12, price: 1.5 }, encoding: "json" })), 12);
  assert.equal(ownSeq(ev("s", 9, "received", { data: [1], encoding: "json" })), undefined);
  assert.equal(ownSeq(ev("s", 9, "received", { data: '{"seq": 3}', encoding: "text" })), undefined, "text is not parsed");
  assert.equal(summary(ev("s", 1, "received", { data: { a: 1, b: [2] }, encoding: "json" })), '{"a":1,"b":[2]}');
  assert.equal(summary(ev("s", 1, "received", { data: "a\n  b", encoding: "text" })), "a b");
});

test("payloads are values: pretty at display time, binary as base64, a JSON null kept", () => {
  const json = ev("s", 1, "received", { data: { a: [1, "x"] }, encoding: "json" });
  assert.equal(payloadText(json), '{"a":[1,"x"]}');
  assert.equal(payloadText(json, 2), '{\n  "a": [\n    1,\n    "x"\n  ]\n}');
  assert.deepEqual(payloadView(json), { text: payloadText(json, 2), json: { a: [1, "x"] } });
  assert.equal(payloadText(ev("s", 2, "received", { data: null, encoding: "json" })), "null");
  assert.deepEqual(payloadView(ev("s", 3, "received", { data: "AAE=", encoding: "base64" })), { text: "AAE=", json: undefined });
  assert.equal(payloadText(ev("s", 4, "received", { data: '{"cut', encoding: "text", truncated: true })), '{"cut');
  const model = new PanelModel();
  model.applyEvents([
    ev("h", 1, "sent", { method: "GET", url: "http://x/i.png", data: "", encoding: "text" }),
    ev("h", 2, "status", { code: 200 }),
    ev("h", 3, "received", { data: "iVBORw0K", encoding: "base64", size: 6 }),
  ]);
  assert.equal(model.sessions.get("h")?.http?.bodyBinary, true);
  assert.equal(model.sessions.get("h")?.http?.body, "iVBORw0K");
});

test("check events count verdicts, show in the timeline, and a failed one passes the errors filter", () => {
  const model = new PanelModel();
  const passed = ev("s9", 2, "check", { line: 6, text: "status == 200", passed: true, message: "status == 200: status is 200" });
  const failed = ev("s9", 3, "check", { line: 7, text: "body.a == 2", passed: false, message: "expected body.a == 2, got body.a = 1" });
  model.applyEvents([ev("s9", 1, "connecting", { target: "x" }), passed, failed]);
  const view = model.sessions.get("s9");
  assert.ok(view);
  assert.deepEqual([view.checks, view.checksFailed], [2, 1]);
  assert.equal(summary(passed), "✔ status == 200  (line 6)");
  assert.equal(summary(failed), "✘ expected body.a == 2, got body.a = 1  (line 7)");
  assert.deepEqual(filterEvents(view.events, "errors", "").map((e) => e.seq), [3]);
});
