// Black-box: a room's seq and epoch survive a `wrangler dev` restart (Durable Object storage persists).
import { afterAll, beforeAll, describe, it } from "vitest";
import { startDevServer, type DevServer } from "../support/dev-server.ts";
import { dumpServerLogOnFailure } from "./support/diagnostics.ts";
import { join, uniqueRoom } from "./support/rooms.ts";
import { tokenFor } from "./support/tokens.ts";

let server: DevServer;
beforeAll(async () => {
  server = await startDevServer();
});
afterAll(async () => {
  await server?.dispose();
});
dumpServerLogOnFailure(() => server);

describe("restart", () => {
  it("keeps seq and epoch; history still replays; live sockets are dropped (1001/1006)", async ({ expect }) => {
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
    expect(b.synced).toEqual({ type: "synced", seq: last, replayed: 1, gap: false });
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
