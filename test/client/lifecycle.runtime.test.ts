// The client through room lifecycle events in the Workers runtime: token expiry (4401) and eviction.
import { evictDurableObject, runDurableObjectAlarm } from "cloudflare:test";
import { exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { ConnectionState, RoomClient } from "../../src/client/types.ts";
import type { MessageFrame } from "../../src/shared/protocol.ts";
import { age, BASE, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";
import { waitFor } from "./support/wait.ts";
import { workerSockets } from "./support/worker-socket.ts";

const clients: RoomClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

/** `/auth/check` goes to the worker too, not to the network. */
const workerFetch: typeof fetch = (input, init) => exports.default.fetch(new Request(input, init));

function client(room: string, sub: string, tokenFn: (() => Promise<string>) | string = () => token({ sub })) {
  const sockets = workerSockets();
  const c = connect({
    url: BASE,
    room,
    token: tokenFn,
    createWebSocket: sockets.create,
    fetch: workerFetch,
    backoff: { baseMs: 20, capMs: 200 },
  });
  clients.push(c);
  const received: MessageFrame[] = [];
  c.on("message", (m) => received.push(m));
  const states: ConnectionState[] = [];
  c.on("state", (s) => states.push(s));
  return { c, sockets, received, states };
}

/** Resolves once the client has received `seq` (maybe already: the broadcast can beat the publisher's ack). */
async function received(x: ReturnType<typeof client>, seq: number, what: string): Promise<void> {
  if (x.received.some((m) => m.seq === seq)) return;
  await waitFor(x.c, "message", (m) => m.seq === seq, what);
}

/** Moves every socket's token expiry into the past, as if `exp` (an hour away at most) had passed. */
function expireTokens(room: string): Promise<void> {
  return age(room, "exp", 3_601_000);
}

describe("client lifecycle against the room", () => {
  it("4401: asks the token function for a fresh token, reconnects and resumes", async ({ expect }) => {
    const room = uniqueRoom("client-exp");
    let calls = 0;
    const sub = client(room, "sub", () => {
      calls++;
      return token({ sub: "sub" });
    });
    const pub = client(room, "pub");
    await Promise.all([sub.c.ready(), pub.c.ready()]);
    const first = await pub.c.publish("before");
    await received(sub, first, "the first message");

    await expireTokens(room);
    const resynced = waitFor(sub.c, "synced", () => true, "synced after 4401");
    await runDurableObjectAlarm(roomStub(room));
    const synced = await resynced;

    expect(sub.states).toContainEqual(expect.objectContaining({ status: "reconnecting", code: 4401 }));
    expect(calls).toBe(2);
    expect(synced).toEqual({ seq: expect.any(Number), replayed: expect.any(Number), gap: false });
    const second = await pub.c.publish("after");
    await received(sub, second, "the message after the reconnect");
    expect(sub.received.map((m) => m.data)).toEqual(["before", "after"]);
  });

  it("eviction that closes the sockets: reconnects and resumes without loss", async ({ expect }) => {
    const room = uniqueRoom("client-evict");
    const sub = client(room, "sub");
    const pub = client(room, "pub");
    await Promise.all([sub.c.ready(), pub.c.ready()]);
    const a = await pub.c.publish(1);
    await received(sub, a, "message 1");

    const subBack = waitFor(sub.c, "synced", () => true, "sub synced after eviction");
    const pubBack = waitFor(pub.c, "synced", () => true, "pub synced after eviction");
    await evictDurableObject(roomStub(room), { webSockets: "close" });
    await Promise.all([subBack, pubBack]);

    const b = await pub.c.publish(2);
    await received(sub, b, "message 2");
    expect(sub.received.map((m) => [m.seq, m.data])).toEqual([
      [a, 1],
      [b, 2],
    ]);
    const drop = sub.states.find((s) => s.status === "reconnecting");
    expect(drop).toMatchObject({ status: "reconnecting", code: 1006 });
  });

  it("a refused upgrade is diagnosed through /auth/check: forbidden stops with the server's message", async ({
    expect,
  }) => {
    const room = uniqueRoom("client-forbidden");
    const x = client(room, "ann", await token({ sub: "ann", rooms: { "other-*": ["read"] } }));
    const closed = waitFor(x.c, "state", (s) => s.status === "closed", "closed after a forbidden upgrade");
    const state = await closed;
    expect(state).toMatchObject({ status: "closed", code: 1006, error: { code: "forbidden" } });
    expect(state.status === "closed" && state.error?.message).toMatch(/.+/);
    expect(x.sockets.sockets).toHaveLength(1);
    await expect(x.c.ready()).rejects.toMatchObject({ code: "forbidden" });
  });

  it("a fixed token with a bad signature stops with unauthorized; a token function is asked again", async ({
    expect,
  }) => {
    const room = uniqueRoom("client-unauth");
    const fixed = client(room, "ann", await token({ sub: "ann" }, "wrong-secret-0123456789abcdef0123456789"));
    const state = await waitFor(fixed.c, "state", (s) => s.status === "closed", "closed after 401");
    expect(state).toMatchObject({ status: "closed", error: { code: "unauthorized" } });

    let calls = 0;
    const refreshing = client(room, "bob", () => {
      calls++;
      return calls === 1
        ? token({ sub: "bob" }, "wrong-secret-0123456789abcdef0123456789")
        : token({ sub: "bob" });
    });
    await refreshing.c.ready();
    expect(calls).toBe(2);
    expect(refreshing.c.user).toEqual({ id: "bob", name: null });
  });
});
