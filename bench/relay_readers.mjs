// Streams of a relay read as laptops would, apart from the benchmark's own process (bench/relay.mjs runs this under
// nice: laptops are other machines, so their reading should not take the relay's CPU). Prints "open" once every
// stream has its hello, "live" once every stream has caught up; reads until SIGTERM, then prints "read N" (the
// deliveries read, all streams together).
// Usage: node bench/relay_readers.mjs PORT TOKEN COUNT AFTER
import http from "node:http";

const [port, token, count, after] = process.argv.slice(2);
let open = 0;
let live = 0;
let read = 0;
process.on("SIGTERM", () => { console.log(`read ${read}`); process.exit(0); });
for (let i = 0; i < Number(count); i++) {
  let hello = false;
  let caught = false;
  let carry = ""; // the end of the last chunk, where an event's name may have been cut
  http.get({ host: "127.0.0.1", port, path: `/relay?after=${after}`, agent: false,
    headers: { Authorization: `Bearer ${token}` } }, (res) => res.on("data", (d) => {
    if (!hello && d.includes("event: hello") && ++open === Number(count)) console.log("open");
    hello = true;
    const text = carry + d;
    read += text.split("event: delivery").length - 1;
    carry = text.slice(-14); // shorter than the name: a name is never counted twice
    if (!caught && d.includes("event: live")) {
      caught = true;
      if (++live === Number(count)) console.log("live");
    }
  })).on("error", () => {});
}
