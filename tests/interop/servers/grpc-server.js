// The reference gRPC server: @grpc/grpc-js with @grpc/reflection, the common Node stack.
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { ReflectionService } = require("@grpc/reflection");

const definition = protoLoader.loadSync([path.join(__dirname, "catalog.proto"), path.join(__dirname, "ticker.proto")], {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const loaded = grpc.loadPackageDefinition(definition);
const proto = loaded.interop.v1;

function item(id, n) {
  return {
    id,
    name: `item ${n}`,
    kind: n % 2 ? "BOOK" : "GAME",
    tags: ["a", "b"],
    stock: { paris: n, lima: 2 },
    price: { currency: "EUR", units: String(100 + n) },
    created: { seconds: String(1700000000 + n), nanos: 0 },
    warranty: { seconds: "3600", nanos: 0 },
    note: { value: `note ${n}` },
    size: { width: 1.5, height: 2 },
    extra: { fields: { colour: { stringValue: "red" } } },
  };
}

function echoedMetadata(call) {
  const out = new grpc.Metadata();
  const id = call.metadata.get("x-request-id");
  if (id.length) out.set("x-request-id", String(id[0]));
  return out;
}

const handlers = {
  GetItem(call, callback) {
    call.sendMetadata(echoedMetadata(call));
    if (call.request.id === "missing") {
      callback({ code: grpc.status.NOT_FOUND, details: `no item with id ${call.request.id}` });
      return;
    }
    callback(null, item(call.request.id, 1));
  },
  ListItems(call) {
    const count = call.request.count || 5;
    const interval = call.request.interval_ms || 0;
    let n = 0;
    const next = () => {
      if (call.cancelled) return;
      if (n >= count) {
        call.end();
        return;
      }
      n += 1;
      call.write(item(`i${n}`, n));
      if (interval) setTimeout(next, interval);
      else setImmediate(next);
    };
    next();
  },
  AddItems(call, callback) {
    const names = [];
    call.on("data", (received) => names.push(received.name));
    call.on("end", () =>
      callback(null, { count: names.length, names, received: { seconds: "1700000000", nanos: 0 } }),
    );
  },
  Chat(call) {
    let n = 0;
    call.on("data", (message) => {
      n += 1;
      call.write({ text: `echo: ${message.text}`, n });
    });
    call.on("end", () => call.end());
  },
};

// bench.v1.Ticker/Ticks: `count` small messages written as fast as the stream takes them (waiting for
// "drain" when its buffer is full), so that a benchmark measures the client, never this server.
function ticks(call) {
  const count = call.request.count || 10;
  let n = 0;
  const write = () => {
    while (n < count && !call.cancelled) {
      n += 1;
      if (!call.write({ n, label: "tick" })) {
        call.once("drain", write);
        return;
      }
    }
    if (!call.cancelled) call.end();
  };
  write();
}

const server = new grpc.Server();
server.addService(proto.Catalog.service, handlers);
server.addService(loaded.bench.v1.Ticker.service, { Ticks: ticks });
new ReflectionService(definition).addToServer(server);
server.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => {
  if (error) {
    console.error(error.message);
    process.exit(1);
  }
  process.stdout.write(JSON.stringify({ port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
