// webhookConsumer in the Workers runtime: real MessageBatch objects from cloudflare:test, the request it
// builds, and how it acks or retries. The receiver is a `fetch` function here (the consumer's `fetch`
// option); the real HTTP path to a Node receiver is covered by test/e2e/events.test.ts.
import { createExecutionContext, createMessageBatch, getQueueResult } from "cloudflare:test";
import { afterEach, describe, it, vi } from "vitest";
import type { RoomEvent, WebhookBody } from "../../src/server/events.ts";
import { retryDelaySeconds, WebhookConfigError, webhookConsumer } from "../../src/server/webhook.ts";
import { verifyWebhook } from "../../src/shared/webhook-signature.ts";
import worker from "../../src/worker/index.ts";

const SECRET = "whsec-runtime-test";
const URL_ = "https://hooks.example/roomcast?key=not-for-logs";
const user = { id: "ann", name: "Ann" };

function events(room: string, seqs: number[]): RoomEvent[] {
  return seqs.map((seq) => ({
    room,
    type: "message",
    seq,
    user,
    data: { n: seq },
    ts: 1_800_000_000_000 + seq,
  }));
}

function batchOf(evs: RoomEvent[], attempts = 1) {
  return createMessageBatch<RoomEvent>(
    "room-events",
    evs.map((body, i) => ({ id: `m${i}`, timestamp: new Date(1_800_000_000_000), attempts, body })),
  );
}

/** A receiver that answers `status` and keeps what it got. */
function receiver(status: number) {
  const got: { url: string; method: string; headers: Headers; body: string }[] = [];
  const fetch = async (req: Request): Promise<Response> => {
    got.push({ url: req.url, method: req.method, headers: req.headers, body: await req.text() });
    return new Response(status === 204 ? null : "answer", { status });
  };
  return { got, fetch };
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe("webhookConsumer", () => {
  it("POSTs the batch as one signed JSON body, events in batch order, and acks it on 2xx", async ({
    expect,
  }) => {
    const rx = receiver(204);
    const consume = webhookConsumer({ url: URL_, secret: SECRET, fetch: rx.fetch });
    const evs = [
      ...events("a", [3, 4]),
      { room: "a", type: "join", user, ts: 1 } as const,
      ...events("b", [1]),
    ];
    const batch = batchOf(evs);
    const ctx = createExecutionContext();
    await consume(batch, {}, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.ackAll).toBe(true);
    expect(result.retryBatch.retry).toBe(false);
    expect(rx.got).toHaveLength(1);
    const [req] = rx.got;
    expect(req?.url).toBe(URL_);
    expect(req?.method).toBe("POST");
    expect(req?.headers.get("content-type")).toBe("application/json");
    expect(JSON.parse(req?.body ?? "")).toEqual({ events: evs } satisfies WebhookBody);
    const verified = await verifyWebhook(SECRET, req?.body ?? "", req?.headers.get("roomcast-signature"));
    expect(verified.ok).toBe(true);
  });

  it("reads url and secret from env when given as functions", async ({ expect }) => {
    const rx = receiver(200);
    const consume = webhookConsumer<{ HOOK: string; KEY: string }>({
      url: (env) => env.HOOK,
      secret: (env) => env.KEY,
      fetch: rx.fetch,
    });
    const batch = batchOf(events("r", [1]));
    const ctx = createExecutionContext();
    await consume(batch, { HOOK: URL_, KEY: "from-env" }, ctx);
    expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    const body = rx.got[0]?.body ?? "";
    expect((await verifyWebhook("from-env", body, rx.got[0]?.headers.get("roomcast-signature"))).ok).toBe(
      true,
    );
  });

  it.for([400, 429, 500, 503])(
    "a %i answer retries the whole batch with a delay, logs one JSON line without the secret or query",
    async (status, { expect }) => {
      const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
      const rx = receiver(status);
      const consume = webhookConsumer({ url: URL_, secret: SECRET, fetch: rx.fetch });
      const batch = batchOf(events("r", [1, 2]), 3);
      // getQueueResult does not report a retryAll's delay: read it from the call.
      const retryAll = vi.spyOn(batch, "retryAll");
      const ctx = createExecutionContext();
      await consume(batch, {}, ctx);
      const result = await getQueueResult(batch, ctx);
      expect(result.ackAll).toBe(false);
      expect(result.retryBatch.retry).toBe(true);
      // attempts 3 → 2^3 = 8 s with jitter: between 4 and 8.
      const delay = retryAll.mock.calls[0]?.[0]?.delaySeconds;
      expect(delay).toBeGreaterThanOrEqual(4);
      expect(delay).toBeLessThanOrEqual(8);
      expect(warn).toHaveBeenCalledTimes(1);
      const line = String(warn.mock.calls[0]?.[0]);
      expect(JSON.parse(line)).toMatchObject({
        event: "webhook_failed",
        status,
        attempts: 3,
        messages: 2,
        origin: "https://hooks.example",
      });
      expect(line).not.toContain(SECRET);
      expect(line).not.toContain("not-for-logs");
    },
  );

  it("a network error retries the batch (a real fetch to a closed loopback port)", async ({ expect }) => {
    // workerd prints "uncaught exception … Network connection lost" for the refused connection even
    // though the consumer catches the rejected fetch: noise, the test still sees the retry.
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const consume = webhookConsumer({ url: "http://127.0.0.1:9/hook", secret: SECRET, timeoutMs: 5000 });
    const batch = batchOf(events("r", [1]));
    const ctx = createExecutionContext();
    await consume(batch, {}, ctx);
    const result = await getQueueResult(batch, ctx);
    expect(result.retryBatch.retry).toBe(true);
    expect(result.ackAll).toBe(false);
    expect(JSON.parse(String(warn.mock.calls[0]?.[0]))).toMatchObject({
      event: "webhook_failed",
      error: expect.any(String),
    });
  });

  it("a missing url or secret is a configuration error, not a failed delivery", async ({ expect }) => {
    expect(() => webhookConsumer({ url: "", secret: SECRET })).toThrow(WebhookConfigError);
    expect(() => webhookConsumer({ url: "not a url", secret: SECRET })).toThrow(/not a URL/);
    expect(() => webhookConsumer({ url: URL_, secret: "" })).toThrow(/secret is missing/);
    const fromEnv = webhookConsumer<{ U?: string }>({ url: (e) => e.U, secret: SECRET });
    await expect(fromEnv(batchOf(events("r", [1])), {}, createExecutionContext())).rejects.toThrow(
      /url is missing/,
    );
  });
});

describe("retryDelaySeconds", () => {
  it("doubles per attempt, is capped, and is never below 1 s", ({ expect }) => {
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, 300, 1))).toEqual([2, 4, 8, 16]);
    expect([1, 2, 3, 4].map((a) => retryDelaySeconds(a, 300, 0))).toEqual([1, 2, 4, 8]);
    expect(retryDelaySeconds(20, 300, 1)).toBe(300);
    expect(retryDelaySeconds(0, 300, 0)).toBe(1);
  });
});

describe("the project's Worker", () => {
  it("acks and warns once when no webhook is configured", async ({ expect }) => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => {});
    const queue = worker.queue;
    for (let i = 0; i < 2; i++) {
      const batch = batchOf(events("r", [i + 1]));
      const ctx = createExecutionContext();
      await queue(batch, {}, ctx);
      expect((await getQueueResult(batch, ctx)).ackAll).toBe(true);
    }
    expect(
      warn.mock.calls.filter((c) => String(c[0]).includes("webhook_unconfigured")).length,
    ).toBeLessThanOrEqual(1);
  });
});
