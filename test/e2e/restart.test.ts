// Black-box: a room's state survives a `wrangler dev` restart (storage persists) and hibernation (attachments).
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { nowSeconds, signClaims, tokenFor } from "../support/tokens.ts";
import { join, keepAlive } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";

const server = useDevServer();

describe("restart", () => {
  it("keeps seq and epoch; history still replays; live sockets are dropped (1001/1006)", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const token = await tokenFor("ann", { [room]: ["read", "write"] });
    const a = await join(server.url, room, { token });
    const seqs: number[] = [];
    for (let i = 0; i < 3; i++) {
      a.sock.send({ type: "publish", data: i, id: `k${i}` });
      seqs.push((await a.sock.next("ack")).seq);
    }
    const last = seqs[2] ?? -1;
    const dropped = a.sock.closed(30_000);
    await server.restart();
    expect([1001, 1006]).toContain((await dropped).code);

    const b = await join(server.url, room, { token, since: last - 1, epoch: a.welcome.epoch });
    expect(b.welcome.epoch).toBe(a.welcome.epoch);
    expect(b.welcome.seq).toBe(last);
    expect(b.synced).toEqual({ type: "synced", seq: last, replayed: 1, gap: false, more: false });
    expect(await b.sock.next("message")).toMatchObject({ seq: last, id: "k2", data: 2 });
    // seq continues, never repeats.
    b.sock.send({ type: "publish", data: "after restart" });
    expect((await b.sock.next("ack")).seq).toBe(last + 1);
    // Idempotency keys survive too.
    b.sock.send({ type: "publish", data: "dup", id: "k0" });
    expect(await b.sock.next("ack")).toEqual({ type: "ack", id: "k0", seq: seqs[0], duplicate: true });
    await b.sock.shutdown();
  });
});

describe("hibernation", () => {
  it("a quiet room (only auto-answered pings) still expires tokens, and keeps names, seq and members after waking", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    // Long enough for the idle object to be evicted (~10 s locally) before the expiry alarm wakes it.
    const exp = nowSeconds() + 14;
    const a = await join(server.url, room, {
      token: await signClaims({ sub: "ann", name: "Ann", rooms: { [room]: ["read", "write"] }, exp }),
      label: "ann",
    });
    const b = await join(server.url, room, {
      token: await tokenFor("bob", { [room]: ["read", "write"] }, { name: "Bob" }),
      label: "bob",
    });
    expect(await a.sock.next("presence")).toMatchObject({ event: "join", user: { id: "bob" } });
    a.sock.send({ type: "publish", data: "before", id: "h1" });
    const seq = (await a.sock.next("ack")).seq;
    expect(await b.sock.next("message")).toMatchObject({ seq });
    const stopA = keepAlive(a.sock, 2000);
    const stopB = keepAlive(b.sock, 2000);
    try {
      const c = await a.sock.closed(25_000);
      const delta = Date.now() - exp * 1000;
      expect(c.code).toBe(4401);
      expect(delta, `closed ${delta} ms after exp`).toBeLessThanOrEqual(2000);
      expect(await b.sock.next("presence")).toEqual({
        type: "presence",
        event: "leave",
        user: { id: "ann", name: "Ann" },
        members: 1,
      });
      b.sock.send({ type: "publish", data: "after", id: "h2" });
      expect(await b.sock.next("ack")).toMatchObject({ id: "h2", seq: seq + 1 });
      const c2 = await join(server.url, room, {
        token: await tokenFor("cid", { [room]: ["read"] }),
        label: "cid",
      });
      expect(c2.welcome.members.sort((x, y) => x.id.localeCompare(y.id))).toEqual([
        { id: "bob", name: "Bob", connections: 1, state: null },
        { id: "cid", name: null, connections: 1, state: null },
      ]);
      expect(await b.sock.next("presence")).toMatchObject({ event: "join", user: { id: "cid" }, members: 2 });
      await c2.sock.shutdown();
    } finally {
      stopA();
      stopB();
    }
    await b.sock.shutdown();
  });
});
