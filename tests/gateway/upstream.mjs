// A small model server for the gateway tests and the benchmark, run as a real process:
//   node tests/gateway/upstream.mjs   (env: UPSTREAM_NAME, HEALTH=ok|fail, PORT=0)
// Prints {"port":N} on its first stdout line. Routes:
//   GET  /health             200 {"ok":true} (503 with HEALTH=fail)
//   POST /v1/echo            200 JSON {upstream, method, path, bytes, auth}
//   GET  /v1/status/:code    answers that status
//   GET  /v1/stream          SSE: 5 "data: token-i" events, 150 ms apart, then "data: [DONE]"
//   GET  /v1/slow            answers after 3 s
//   GET  /v1/delay/:ms       200 after :ms milliseconds (a known latency floor for percentile checks)
import http from "node:http";

const name = process.env.UPSTREAM_NAME ?? "upstream";
const healthy = process.env.HEALTH !== "fail";

const server = http.createServer((req, res) => {
  const url = req.url ?? "/";
  if (url === "/health") {
    res.writeHead(healthy ? 200 : 503, { "content-type": "application/json" });
    return res.end(JSON.stringify({ ok: healthy }));
  }
  if (url.startsWith("/v1/status/")) {
    res.writeHead(Number(url.split("/")[3]) || 500, { "content-type": "application/json" });
    return res.end(JSON.stringify({ upstream: name }));
  }
  if (url === "/v1/stream") {
    res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache" });
    let i = 0;
    const timer = setInterval(() => {
      if (i < 5) res.write(`data: token-${i++}\n\n`);
      else {
        clearInterval(timer);
        res.end("data: [DONE]\n\n");
      }
    }, 150);
    req.on("close", () => clearInterval(timer));
    return;
  }
  if (url.startsWith("/v1/delay/")) {
    const t = setTimeout(() => {
      res.writeHead(200, { "content-type": "application/json", "content-length": "2" });
      res.end("{}");
    }, Number(url.split("/")[3]) || 0);
    req.on("close", () => clearTimeout(t));
    return;
  }
  if (url === "/v1/slow") {
    const t = setTimeout(() => res.end("late"), 3000);
    req.on("close", () => clearTimeout(t));
    return;
  }
  let bytes = 0;
  req.on("data", (c) => (bytes += c.length));
  req.on("end", () => {
    const body = JSON.stringify({ upstream: name, method: req.method, path: url, bytes, auth: req.headers.authorization ?? null });
    res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body) });
    res.end(body);
  });
});
server.keepAliveTimeout = 65_000;
server.listen(Number(process.env.PORT ?? 0), "127.0.0.1", () => {
  process.stdout.write(`${JSON.stringify({ port: server.address().port })}\n`);
});
process.on("SIGTERM", () => server.close(() => process.exit(0)));
