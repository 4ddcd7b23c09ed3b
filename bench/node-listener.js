// What a developer writes by hand: check the URL token in constant time, parse the JSON, append a line to a file
// (no fsync), answer 200. With a fourth argument "fsync", each line is fdatasync'd before the answer: durable by hand.
// Usage: node node-listener.js PORT TOKEN FILE [fsync]
const http = require("node:http");
const crypto = require("node:crypto");
const fs = require("node:fs");

const [port, token, file, mode] = process.argv.slice(2);
const durable = mode === "fsync";
const expected = Buffer.from(token);
const out = fs.openSync(file, "a");

http
  .createServer((req, res) => {
    const url = new URL(req.url, "http://x");
    const given = Buffer.from(url.searchParams.get("token") || "");
    if (req.method !== "POST" || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
      res.writeHead(401).end();
      return;
    }
    const chunks = [];
    req.on("data", (c) => chunks.push(c));
    req.on("end", () => {
      let event;
      try {
        event = JSON.parse(Buffer.concat(chunks));
      } catch {
        res.writeHead(400).end();
        return;
      }
      fs.writeSync(out, JSON.stringify({ eventId: event.eventId, topic: event.topicName }) + "\n");
      if (durable) fs.fdatasyncSync(out);
      res.writeHead(200, { "content-type": "application/json" }).end('{"status":"accepted"}');
    });
  })
  .listen(Number(port), "127.0.0.1");
