// The client against the real worker and room: drops mid-stream, resumes, every message exactly once, in order.
import { exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { RoomClient } from "../../src/client/types.ts";
import type { MessageFrame } from "../../src/shared/protocol.ts";
import { BASE, token, uniqueRoom } from "../helpers/runtime.ts";
import { waitFor } from "./support/wait.ts";
import { workerSockets } from "./support/worker-socket.ts";

const clients: RoomClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** A client with a recording factory, fast retries and a token function (fresh token per connect). */
function client(room: string, sub: string) {
  const sockets = workerSockets();
  const c = connect({
    url: BASE,
    room,
    token: () => token({ sub, name: sub.toUpperCase() }),
    createWebSocket: sockets.create,
    // `/auth/check` goes to the worker too, not to the network.
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    backoff: { baseMs: 20, capMs: 200 },
  });
  clients.push(c);
  const received: MessageFrame[] = [];
  c.on("message", (m) => received.push(m));
  return { c, sockets, received };
}

function count(c: RoomClient, received: unknown[], n: number) {
  if (received.length >= n) return Promise.resolve();
  return waitFor(c, "message", () => received.length >= n, `${n} messages (have ${received.length})`).then(
    () => undefined,
  );
}

describe("client against the worker", () => {
  it("resumes after a drop mid-stream: every message exactly once, in order", async ({ expect }) => {
    const room = uniqueRoom("client-resume");
    const sub = client(room, "sub");
    const pub = client(room, "pub");
    await Promise.all([sub.c.ready(), pub.c.ready()]);
    const synced = [] as { replayed: number; gap: boolean }[];
    sub.c.on("synced", (s) => synced.push(s));

    const first = await Promise.all(Array.from({ length: 10 }, (_, i) => pub.c.publish(i + 1)));
    await count(sub.c, sub.received, 10);
    // The subscriber's own message lies after its resume point: the replay must not hand it back.
    const own = await sub.c.publish("from sub");
    await count(pub.c, pub.received, 1);

    // Drop the subscriber and keep it away while the room moves on.
    sub.sockets.hold();
    const reconnecting = waitFor(sub.c, "state", (s) => s.status === "connecting", "sub reconnecting");
    sub.sockets.last().drop();
    await reconnecting;
    const second = await Promise.all(Array.from({ length: 10 }, (_, i) => pub.c.publish(i + 11)));
    expect(sub.received).toHaveLength(10);

    sub.sockets.release();
    // The held attempt may have timed out meanwhile; either way the next one resumes.
    await count(sub.c, sub.received, 20);
    const more = await Promise.all(Array.from({ length: 5 }, (_, i) => pub.c.publish(i + 21)));
    await count(sub.c, sub.received, 25);

    expect(sub.received.map((m) => m.data)).toEqual(Array.from({ length: 25 }, (_, i) => i + 1));
    expect(sub.received.map((m) => m.seq)).toEqual([...first, ...second, ...more]);
    expect(pub.received.map((m) => [m.seq, m.data])).toEqual([[own, "from sub"]]);
    expect(new Set(sub.received.map((m) => m.seq)).size).toBe(25);
    expect(synced).toEqual([{ seq: second.at(-1), replayed: 11, gap: false }]);
    expect(sub.c.seq).toBe(more.at(-1));
    const resumed = sub.sockets.sockets[1]?.url.searchParams;
    expect(resumed?.get("since")).toBe(String(first.at(-1)));
    expect(resumed?.get("epoch")).toBe(sub.c.epoch);
  });

  it("a publish in flight when the connection drops is delivered exactly once", async ({ expect }) => {
    const room = uniqueRoom("client-inflight");
    const sub = client(room, "sub");
    const pub = client(room, "pub");
    await Promise.all([sub.c.ready(), pub.c.ready()]);
    const sent: string[] = [];
    // Drop right after the publish frame leaves: the room stores it, but the ack never arrives.
    pub.sockets.last().afterSend = (data) => {
      if (typeof data === "string" && data.startsWith('{"type":"publish"')) {
        sent.push(data);
        pub.sockets.last().drop();
      }
    };
    const seq = await pub.c.publish({ text: "once" });
    await count(sub.c, sub.received, 1);
    const after = await pub.c.publish({ text: "after" });
    await count(sub.c, sub.received, 2);

    expect(sent).toHaveLength(1);
    expect(pub.sockets.sockets).toHaveLength(2);
    expect(sub.received.map((m) => [m.seq, m.data])).toEqual([
      [seq, { text: "once" }],
      [after, { text: "after" }],
    ]);
    expect(after).toBe(seq + 1);
  });

  it("keeps members up to date from welcome and presence", async ({ expect }) => {
    const room = uniqueRoom("client-members");
    const a = client(room, "ann");
    await a.c.ready();
    const joined = waitFor(a.c, "members", (m) => m.length === 2, "bob in members");
    const b = client(room, "bob");
    await b.c.ready();
    expect((await joined).map((m) => m.id).sort()).toEqual(["ann", "bob"]);
    expect(b.c.members.map((m) => m.id).sort()).toEqual(["ann", "bob"]);
    const left = waitFor(a.c, "members", (m) => m.length === 1, "bob gone from members");
    b.c.close();
    expect(await left).toEqual([{ id: "ann", name: "ANN", connections: 1, state: null }]);
  });
});
