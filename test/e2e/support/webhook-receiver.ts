// A webhook receiver on a free loopback port for the events e2e test: verifies each POST's signature
// with verifyWebhook (as a user's Node backend would) and records what arrived, in arrival order.
import { EventEmitter } from "node:events";
import { createServer, type Server } from "node:http";
import { verifyWebhook, type WebhookVerification } from "../../../src/shared/webhook-signature.ts";

/** One POST as the receiver saw it. */
export interface Delivery {
  verification: WebhookVerification;
  /** The status the receiver answered. */
  status: number;
  /** The parsed body's events (empty when the body did not parse). */
  events: unknown[];
}

export interface WebhookReceiver {
  url: string;
  deliveries: Delivery[];
  /** Resolves once `done()` holds (checked on every delivery), or rejects after `timeoutMs`. */
  until(done: () => boolean, timeoutMs: number, what: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the receiver. It answers 503 to its first `failFirst` POSTs (after recording them), so the
 * consumer's retry through the Queue is exercised; then 204 for a verified POST, 401 otherwise.
 */
export async function startWebhookReceiver(
  secret: string,
  o: { failFirst?: number } = {},
): Promise<WebhookReceiver> {
  const deliveries: Delivery[] = [];
  const arrived = new EventEmitter();
  let failLeft = o.failFirst ?? 0;
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      void (async () => {
        const raw = Buffer.concat(chunks);
        const verification = await verifyWebhook(
          secret,
          raw,
          req.headers["roomcast-signature"] as string | undefined,
        );
        let events: unknown[] = [];
        try {
          const body = JSON.parse(raw.toString("utf8")) as { events?: unknown };
          if (Array.isArray(body.events)) events = body.events;
        } catch {
          // recorded with no events; the assertions on verification and content will say so
        }
        let status = verification.ok ? 204 : 401;
        if (verification.ok && failLeft > 0) {
          failLeft--;
          status = 503;
        }
        deliveries.push({ verification, status, events });
        res.writeHead(status).end();
        arrived.emit("delivery");
      })();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === "object" && addr ? addr.port : 0;
  return {
    url: `http://127.0.0.1:${port}/hook`,
    deliveries,
    until(done, timeoutMs, what) {
      if (done()) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const check = () => {
          if (!done()) return;
          clearTimeout(timer);
          arrived.off("delivery", check);
          resolve();
        };
        const timer = setTimeout(() => {
          arrived.off("delivery", check);
          reject(new Error(`${what}: not done within ${timeoutMs} ms (${deliveries.length} POSTs arrived)`));
        }, timeoutMs);
        arrived.on("delivery", check);
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
