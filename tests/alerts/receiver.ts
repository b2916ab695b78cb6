import { listenLocally } from "../setup/http.ts";

export interface Received {
  path: string;
  headers: Record<string, string>;
  body: string;
  json: any;
}

/**
 * A real webhook receiver: an HTTP server on a free port that records every
 * POST. `failFirst` answers 500 to that many requests first.
 */
export async function startReceiver(options: { failFirst?: number } = {}) {
  const received: Received[] = [];
  let failuresLeft = options.failFirst ?? 0;
  let requests = 0;
  const http = await listenLocally((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      requests++;
      if (failuresLeft > 0) {
        failuresLeft--;
        res.writeHead(500, { "content-type": "text/plain" }).end("receiver is down");
        return;
      }
      const body = Buffer.concat(chunks).toString("utf8");
      const headers = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
      received.push({ path: req.url ?? "/", headers, body, json: JSON.parse(body) });
      res.writeHead(204).end();
    });
  });
  return {
    url: `${http.base}/hook`,
    received,
    requests: () => requests,
    close: () => http.close(),
  };
}
