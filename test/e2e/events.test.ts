// Black-box: room events reach a webhook through the ROOM_EVENTS queue under `wrangler dev` (producer
// and consumer in one process), signed, at least once, in order per room, across a restart.
// Needs the room side's producer (issue 18): without it no event is sent and the wait times out.
import { afterAll, beforeAll, describe, it } from "vitest";
import type { DevServerOptions } from "../support/dev-server.ts";
import { tokenFor } from "../support/tokens.ts";
import { request } from "./support/http.ts";
import { join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import { startWebhookReceiver, type WebhookReceiver } from "./support/webhook-receiver.ts";

const SECRET = "e2e-webhook-secret-0123456789";
const opts: DevServerOptions & { vars: Record<string, string> } = {
  config: "test/e2e/fixtures/events.wrangler.toml",
  vars: { WEBHOOK_SECRET: SECRET },
};

let receiver: WebhookReceiver;
// Registered before useDevServer's own beforeAll, so the receiver's URL is known when wrangler starts.
beforeAll(async () => {
  receiver = await startWebhookReceiver(SECRET, { failFirst: 1 });
  opts.vars.WEBHOOK_URL = receiver.url;
});
afterAll(async () => {
  await receiver?.close();
});
const server = useDevServer(opts);

interface MessageEvent {
  room: string;
  type: "message";
  seq: number;
  data: unknown;
}

const isMessage = (e: unknown): e is MessageEvent =>
  typeof e === "object" && e !== null && (e as { type?: unknown }).type === "message";

describe("room events to a webhook", () => {
  it("every acked message arrives at least once, signed, none unacked, in seq order per room after dropping repeats, across a restart", async ({
    expect,
  }) => {
    // A plain room and a sharded one (the fixture shards rooms named shard-…).
    const rooms = [`ev-${crypto.randomUUID()}`, `shard-ev-${crypto.randomUUID()}`];
    const token = await tokenFor("svc", Object.fromEntries(rooms.map((r) => [r, ["admin"]])));
    const acked = new Map<string, unknown>(); // "room/seq" → data
    const publish = async (round: string, count: number) => {
      for (let i = 0; i < count; i++) {
        for (const room of rooms) {
          const data = { round, i, room };
          const res = await request(`${server.url}/rooms/${room}/messages`, {
            method: "POST",
            token,
            body: JSON.stringify({ data }),
          });
          expect(res.status, res.text).toBe(201);
          acked.set(`${room}/${(res.body as { seq: number }).seq}`, data);
        }
      }
    };
    // Arrived = in a POST the receiver accepted (2xx); the one it answered 503 must come again.
    const arrivedKeys = () =>
      new Set(
        receiver.deliveries
          .filter((d) => d.status < 300)
          .flatMap((d) => d.events.filter(isMessage).map((e) => `${e.room}/${e.seq}`)),
      );
    const allArrived = () => {
      const got = arrivedKeys();
      return [...acked.keys()].every((k) => got.has(k));
    };

    await publish("before", 5);
    // Under `wrangler dev` the local queue lives in memory: events still queued when it stops are
    // lost (production Queues keep them). So let this round drain before restarting.
    await receiver.until(allArrived, 30_000, "messages published before the restart");
    await server.restart();
    await publish("after", 5);
    await receiver.until(allArrived, 30_000, "messages published after the restart");

    // Every POST was signed with the secret.
    expect(receiver.deliveries.filter((d) => !d.verification.ok)).toEqual([]);
    // The first POST was answered 503 and its batch came again: the consumer retried through the queue.
    expect(receiver.deliveries[0]?.status).toBe(503);
    const repeats = receiver.deliveries
      .flatMap((d) => d.events.filter(isMessage))
      .filter((e, i, all) => all.findIndex((x) => x.room === e.room && x.seq === e.seq) !== i);
    expect(repeats.length).toBeGreaterThan(0);

    for (const room of rooms) {
      const arrivals = receiver.deliveries
        .flatMap((d) => d.events.filter(isMessage))
        .filter((e) => e.room === room);
      // None arrived that was not acked, and each carries what was published under that seq.
      for (const e of arrivals) expect(acked.get(`${room}/${e.seq}`), `${room}/${e.seq}`).toEqual(e.data);
      // In order after dropping repeats (first arrival of each seq).
      const firsts = arrivals
        .filter((e, i) => arrivals.findIndex((x) => x.seq === e.seq) === i)
        .map((e) => e.seq);
      expect(firsts).toEqual([...firsts].sort((a, b) => a - b));
      expect(firsts).toHaveLength(10);
    }
  });

  it("a user's first join, a kick and the last leave arrive as events", async ({ expect }) => {
    const room = `ev-${crypto.randomUUID()}`;
    const bob = await join(server.url, room, { token: await tokenFor("bob", { [room]: ["read"] }) });
    const closed = bob.sock.closed(10_000);
    const kick = await request(`${server.url}/rooms/${room}/kick`, {
      method: "POST",
      token: await tokenFor("svc", { [room]: ["admin"] }),
      body: JSON.stringify({ user: "bob", reason: "test" }),
    });
    expect(kick.status, kick.text).toBe(200);
    expect((await closed).code).toBe(4403);
    const ofRoom = () =>
      receiver.deliveries
        .filter((d) => d.status < 300)
        .flatMap((d) => d.events)
        .filter((e) => (e as { room?: unknown }).room === room) as {
        type: string;
        user: { id: string };
        data?: unknown;
      }[];
    const types = () => new Set(ofRoom().map((e) => e.type));
    await receiver.until(
      () => ["join", "kick", "leave"].every((t) => types().has(t)),
      30_000,
      "join, kick and leave events",
    );
    for (const e of ofRoom()) expect(e.user.id).toBe("bob");
    expect(ofRoom().find((e) => e.type === "kick")?.data).toEqual({ banSeconds: 0, reason: "test" });
  });
});
