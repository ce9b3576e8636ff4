// The client's live-room features against the real worker and room: refresh in band, signals, state, kick.
import { exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { ConnectionState, RoomClient } from "../../src/client/types.ts";
import { BASE, call, nowSeconds, token, uniqueRoom } from "../helpers/runtime.ts";
import { waitFor } from "./support/wait.ts";
import { workerSockets } from "./support/worker-socket.ts";

const clients: RoomClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

function client(room: string, sub: string, lifetimeSeconds = 3600) {
  const sockets = workerSockets();
  const c = connect({
    url: BASE,
    room,
    token: () => token({ sub, name: sub.toUpperCase(), exp: nowSeconds() + lifetimeSeconds }),
    createWebSocket: sockets.create,
    fetch: (input, init) => exports.default.fetch(new Request(input, init)),
    backoff: { baseMs: 20, capMs: 200 },
  });
  clients.push(c);
  const states: ConnectionState["status"][] = [];
  c.on("state", (s) => states.push(s.status));
  return { c, sockets, states };
}

describe("client live-room features against the worker", () => {
  it("refreshes a short token in band: same socket, no reconnect", async ({ expect }) => {
    const room = uniqueRoom("client-refresh");
    const ann = client(room, "ann", 4); // refreshed about 2 s after connecting
    await ann.c.ready();
    const refreshed = await waitFor(ann.c, "refreshed", () => true, "a refreshed frame", 10_000);
    expect(refreshed.exp).toBeGreaterThan(nowSeconds());
    expect(refreshed.capabilities).toEqual(["read", "write"]);
    expect(ann.sockets.sockets).toHaveLength(1);
    expect(ann.states).toEqual(["open"]);
    expect(await ann.c.publish("still here")).toBe(1);
  });

  it("relays signals and presence state between clients", async ({ expect }) => {
    const room = uniqueRoom("client-live");
    const ann = client(room, "ann");
    const bob = client(room, "bob");
    await Promise.all([ann.c.ready(), bob.c.ready()]);
    const signal = waitFor(bob.c, "signal", () => true, "ann's signal");
    ann.c.signal({ typing: true });
    expect(await signal).toMatchObject({ from: { id: "ann", name: "ANN" }, data: { typing: true } });
    const update = waitFor(
      bob.c,
      "members",
      (m) => m.some((x) => x.id === "ann" && x.state !== null),
      "state",
    );
    ann.c.setState({ status: "away" });
    expect((await update).find((m) => m.id === "ann")?.state).toEqual({ status: "away" });
  });

  it("a kick closes the client for good with the reason", async ({ expect }) => {
    const room = uniqueRoom("client-kick");
    const bob = client(room, "bob");
    await bob.c.ready();
    const closed = waitFor(bob.c, "state", (s) => s.status === "closed", "closed");
    const admin = await token({ sub: "mod", rooms: { "*": ["admin"] } });
    const res = await call(`/rooms/${room}/kick`, {
      method: "POST",
      headers: { Authorization: `Bearer ${admin}` },
      body: JSON.stringify({ user: "bob", reason: "be nice" }),
    });
    expect(await res.json()).toEqual({ closed: 1 });
    expect(await closed).toMatchObject({
      status: "closed",
      code: 4403,
      error: { code: "kicked", message: "be nice" },
    });
    expect(bob.sockets.sockets).toHaveLength(1);
  });
});
