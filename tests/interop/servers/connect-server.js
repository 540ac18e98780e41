// The reference Connect server: @connectrpc/connect-node 2 serving Connect, gRPC and gRPC-Web on one
// handler, from descriptors read at run time (a FileDescriptorSet, argv[2]; no generated code).
// Listens twice on 127.0.0.1: HTTP/1.1 and HTTP/2 without TLS (prior knowledge), and prints
// {"port": N, "h2": M} once both listen; exits when its stdin closes.
"use strict";
const fs = require("fs");
const http = require("http");
const http2 = require("http2");
const { createFileRegistry, fromBinary } = require("@bufbuild/protobuf");
const { FileDescriptorSetSchema } = require("@bufbuild/protobuf/wkt");
const { Code, ConnectError } = require("@connectrpc/connect");
const { connectNodeAdapter } = require("@connectrpc/connect-node");

const registry = createFileRegistry(fromBinary(FileDescriptorSetSchema, fs.readFileSync(process.argv[2])));
const catalog = registry.getService("interop.v1.Catalog");
const ticker = registry.getService("bench.v1.Ticker");

function item(id, n) {
  return {
    id,
    name: `item ${n}`,
    kind: n % 2 ? 1 : 2,
    tags: ["a", "b"],
    stock: { paris: n, lima: 2 },
    pricing: { case: "price", value: { currency: "EUR", units: BigInt(100 + n) } },
    created: { seconds: BigInt(1700000000 + n), nanos: 0 },
    warranty: { seconds: 3600n, nanos: 0 },
    note: `note ${n}`,
    size: { width: 1.5, height: 2 },
    extra: { colour: "red" },
  };
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function routes(router) {
  router.service(catalog, {
    async getItem(request, context) {
      const id = context.requestHeader.get("x-request-id");
      if (id) context.responseHeader.set("x-request-id", id);
      context.responseTrailer.set("x-served-by", "connect-node");
      context.responseHeader.set("x-http-method", context.requestMethod);
      if (request.id === "missing") throw new ConnectError(`no item with id ${request.id}`, Code.NotFound);
      return item(request.id, 1);
    },
    async *listItems(request) {
      const count = request.count || 5;
      for (let n = 1; n <= count; n++) {
        if (request.intervalMs) await sleep(request.intervalMs);
        yield item(`i${n}`, n);
      }
    },
    async addItems(requests) {
      const names = [];
      for await (const received of requests) names.push(received.name);
      return { count: names.length, names, received: { seconds: 1700000000n, nanos: 0 } };
    },
    async *chat(requests) {
      let n = 0;
      for await (const message of requests) {
        n += 1;
        yield { text: `echo: ${message.text}`, n };
      }
    },
  });
  router.service(ticker, {
    async *ticks(request) {
      const count = request.count || 10;
      for (let n = 1; n <= count; n++) yield { n, label: "tick" };
    },
  });
}

const handler = connectNodeAdapter({ routes });
const one = http.createServer(handler);
const two = http2.createServer(handler);
let ports = {};
function listening(name, server) {
  ports[name] = server.address().port;
  if (ports.port && ports.h2) process.stdout.write(JSON.stringify({ port: ports.port, h2: ports.h2 }) + "\n");
}
one.listen(0, "127.0.0.1", () => listening("port", one));
two.listen(0, "127.0.0.1", () => listening("h2", two));
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
