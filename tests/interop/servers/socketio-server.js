// The reference Socket.IO server: npm `socket.io` 4. On the main namespace:
//   on connect     emits "welcome" {"id": socket.id}
//   "echo"         acknowledges with the same arguments, or emits them back as "echo" without an ack
//   "typeof"       acknowledges with the JavaScript type of what arrived
//   "scalars"      emits "scalars" with 42, true, "a string" and null
//   "file"         emits "file" with a Buffer (a binary event)
//   "join" room    joins the room and emits "joined" {"room"} to everyone in it
//   "shout" text   emits "shout" to the rooms the socket is in
// The "/admin" namespace refuses a handshake without `Authorization: Bearer letmein`, in words.
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const http = require("http");
const { Server } = require("socket.io");

const server = http.createServer();
const io = new Server(server);

io.on("connection", (socket) => {
  socket.emit("welcome", { id: socket.id });
  socket.on("echo", (...args) => {
    const ack = typeof args[args.length - 1] === "function" ? args.pop() : null;
    if (ack) ack(...args);
    else socket.emit("echo", ...args);
  });
  socket.on("typeof", (...args) => {
    const ack = args.pop();
    const value = args[0];
    if (typeof ack === "function") ack(args.length === 0 ? "nothing" : value === null ? "null" : Array.isArray(value) ? "array" : typeof value);
  });
  socket.on("scalars", () => socket.emit("scalars", 42, true, "a string", null));
  socket.on("file", () => socket.emit("file", Buffer.from("voiden")));
  socket.on("join", (room) => {
    socket.join(String(room));
    io.to(String(room)).emit("joined", { room: String(room) });
  });
  socket.on("shout", (text) => {
    for (const room of socket.rooms) if (room !== socket.id) io.to(room).emit("shout", text);
  });
});

const admin = io.of("/admin");
admin.use((socket, next) => {
  if (socket.handshake.headers.authorization === "Bearer letmein") next();
  else next(new Error("not authorized: send Authorization: Bearer <token>"));
});
admin.on("connection", (socket) => socket.emit("hello", "admin"));

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
