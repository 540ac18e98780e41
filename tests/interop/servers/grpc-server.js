// The reference gRPC server: @grpc/grpc-js with @grpc/reflection, the common Node stack.
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const path = require("path");
const grpc = require("@grpc/grpc-js");
const protoLoader = require("@grpc/proto-loader");
const { ReflectionService } = require("@grpc/reflection");

const definition = protoLoader.loadSync(path.join(__dirname, "catalog.proto"), {
  keepCase: true,
  longs: String,
  enums: String,
  defaults: false,
  oneofs: true,
});
const proto = grpc.loadPackageDefinition(definition).interop.v1;

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

const server = new grpc.Server();
server.addService(proto.Catalog.service, handlers);
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
