// The reference WebSocket server: npm `ws`. Paths:
//   /echo                 every message back as it came (text as text, binary as binary)
//   /feed?count=N         N text messages {"n": i}, then the connection stays open (`&close=1`: then
//                         closes with 1000, for clients that read to the end, like the benchmarks)
//   /close?code=C&reason= closes at once with that code and reason
//   /headers              one message: the handshake's headers, and the chosen subprotocol
//   /secure               refuses the upgrade with 401 unless `Authorization: Bearer letmein`
// Prints {"port": N} once listening on 127.0.0.1, and exits when its stdin closes.
"use strict";
const http = require("http");
const { WebSocketServer } = require("ws");

const server = http.createServer((request, response) => {
  response.writeHead(426, { "content-type": "text/plain" });
  response.end("a WebSocket server: upgrade required\n");
});
const wss = new WebSocketServer({
  noServer: true,
  handleProtocols: (protocols) => (protocols.has("json") ? "json" : false),
});

server.on("upgrade", (request, socket, head) => {
  const url = new URL(request.url, "http://127.0.0.1");
  if (url.pathname === "/secure" && request.headers.authorization !== "Bearer letmein") {
    socket.end("HTTP/1.1 401 Unauthorized\r\ncontent-type: text/plain\r\ncontent-length: 14\r\n\r\nbad credential");
    return;
  }
  wss.handleUpgrade(request, socket, head, (ws) => serve(ws, request, url));
});

function serve(ws, request, url) {
  switch (url.pathname) {
    case "/echo":
      ws.on("message", (data, isBinary) => ws.send(data, { binary: isBinary }));
      break;
    case "/feed": {
      const count = Number(url.searchParams.get("count") || 10);
      for (let n = 1; n <= count; n += 1) ws.send(JSON.stringify({ n }));
      if (url.searchParams.get("close") === "1") ws.close(1000, "feed done");
      break;
    }
    case "/fragments": {
      // whole messages with fragmented ones between them (ws sends a message in parts with `fin: false`)
      const count = Number(url.searchParams.get("count") || 10);
      for (let n = 1; n <= count; n += 1) {
        if (n % 3 === 0) {
          ws.send(`frag `, { fin: false });
          ws.send(`${n}`, { fin: true });
        } else ws.send(`whole ${n}`);
      }
      ws.close(1000, "done");
      break;
    }
    case "/pingfeed": {
      // a feed with a ping after every 100th message, then a close
      const count = Number(url.searchParams.get("count") || 10);
      for (let n = 1; n <= count; n += 1) {
        ws.send(JSON.stringify({ n }));
        if (n % 100 === 0) ws.ping(`p${n}`);
      }
      ws.close(1000, "done");
      break;
    }
    case "/close":
      ws.close(Number(url.searchParams.get("code") || 1000), url.searchParams.get("reason") || "");
      break;
    case "/headers":
      ws.send(JSON.stringify({ headers: request.headers, protocol: ws.protocol }));
      break;
    case "/secure":
      ws.send("welcome");
      break;
    default:
      ws.close(4004, `no route ${url.pathname}`);
  }
}

server.listen(0, "127.0.0.1", () => {
  process.stdout.write(JSON.stringify({ port: server.address().port }) + "\n");
});
process.stdin.on("end", () => process.exit(0));
process.stdin.resume();
