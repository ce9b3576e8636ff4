// Metrics on both kinds of room, through the objects' recording seam (the METRICS binding of the test
// runtime accepts points and keeps none, as under `wrangler dev`): connects, refusals by code, closes
// by code, publishes, batches, deliveries, replayed bytes, storage, hook and queue failures. A plain
// room writes everything itself; in a sharded room the shards write the socket side, the sequencer the log's.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { RoomObject } from "../../../src/room/room-object.ts";
import { type MetricsPoint, TRAFFIC_DOUBLES, type TrafficCounter } from "../../../src/server/metrics.ts";
import type { RoomBackend } from "../../../src/server/room-rpc.ts";
import type { RoomcastVars } from "../../../src/server/settings.ts";
import { call, errorOf, join, open, token } from "../../helpers/runtime.ts";
import { KINDS, nextOf, type RoomKind } from "./kinds.ts";

type Obj = RoomObject<RoomcastVars>;
type Stub = DurableObjectStub<Obj>;

/** The room's objects: the Room, or its sequencer and the shards of `users`. */
function objects(k: RoomKind, room: string, users: string[]): { log: Stub; hosts: Stub[] } {
  if (k.kind === "plain") {
    const r = env.ROOMS.getByName(room) as unknown as Stub;
    return { log: r, hosts: [r] };
  }
  const byId = new Map(users.map((u) => k.host(room, u)).map((h) => [h.id.toString(), h]));
  const hosts = [...byId.values()] as unknown as Stub[];
  return { log: env.SEQUENCERS.getByName(room) as unknown as Stub, hosts };
}

const all = (o: { log: Stub; hosts: Stub[] }) => (o.hosts.includes(o.log) ? o.hosts : [o.log, ...o.hosts]);

/** Names the objects (each user's upgrade reaches them; a socket leaves at once), then records. */
async function recordFrom(k: RoomKind, room: string, users: string[]) {
  for (const sub of users) {
    const s = await open(room, { token: await token({ sub }) });
    if (s instanceof Response) continue;
    s.close();
    await s.waitClose();
  }
  const o = objects(k, room, users);
  for (const stub of all(o)) await runInDurableObject(stub, (obj: Obj) => void obj.roomMetrics().record());
  return o;
}

interface Totals {
  traffic: Record<TrafficCounter, number>;
  refused: Record<string, number>;
  closed: Record<string, number>;
  sources: string[];
}

/** Flushes every object and adds up what they wrote. */
async function totals(stubs: Stub[]): Promise<Totals> {
  const points: MetricsPoint[] = [];
  for (const stub of stubs) {
    const got = await runInDurableObject(stub, (obj: Obj) => {
      obj.roomMetrics().flush();
      return [...(obj.roomMetrics().recorded ?? [])];
    });
    points.push(...got);
  }
  const t = Object.fromEntries(TRAFFIC_DOUBLES.map((c) => [c, 0])) as Record<TrafficCounter, number>;
  const refused: Record<string, number> = {};
  const closed: Record<string, number> = {};
  for (const p of points) {
    const [series, , , detail = ""] = p.blobs;
    const n = p.doubles[0] ?? 0;
    if (series === "refused") refused[detail] = (refused[detail] ?? 0) + n;
    if (series === "closed") closed[detail] = (closed[detail] ?? 0) + n;
    if (series !== "traffic") continue;
    TRAFFIC_DOUBLES.forEach((c, i) => {
      if (c !== "sockets" && c !== "interval_ms" && c !== "connect_ms_max") t[c] += p.doubles[i] ?? 0;
    });
  }
  const sources = [...new Set(points.map((p) => `${p.blobs[2]}:${p.blobs[1]}`))].sort();
  return { traffic: t, refused, closed, sources };
}

const admin = () => token({ sub: "ops", rooms: { "*": ["admin"] } });

async function kick(room: string, user: string, banSeconds: number) {
  const res = await call(`/rooms/${room}/kick`, {
    method: "POST",
    headers: { Authorization: `Bearer ${await admin()}` },
    body: JSON.stringify({ user, banSeconds }),
  });
  if (res.status !== 200) throw new Error(`kick: ${res.status} ${await res.text()}`);
}

describe.each(KINDS)("$kind room: metrics", (k) => {
  it("counts connects, publishes, batches, deliveries, replayed bytes and closes by code", async ({
    expect,
  }) => {
    const room = k.room();
    const o = await recordFrom(k, room, ["ann", "bob", "carl"]);

    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    for (const n of [1, 2, 3]) {
      ann.socket.send({ type: "publish", data: { n }, id: `m${n}` });
      expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: n });
      expect(await nextOf(bob.socket, "message")).toMatchObject({ seq: n });
    }
    // A duplicate is acked again and stored (and counted) once.
    ann.socket.send({ type: "publish", data: { n: 1 }, id: "m1" });
    expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: 1, duplicate: true });

    const carl = await join(room, { token: await token({ sub: "carl" }), query: "rewind=3" });
    expect(carl.replay.map((m) => m.seq)).toEqual([1, 2, 3]);
    const replayedBytes = carl.replay.reduce(
      (n, m) => n + new TextEncoder().encode(JSON.stringify(m)).byteLength,
      0,
    );

    bob.socket.close(1000);
    await bob.socket.waitClose();
    carl.socket.close(4000);
    await carl.socket.waitClose();
    await kick(room, "ann", 0);
    expect((await ann.socket.waitClose()).code).toBe(4403);

    const t = await totals(all(o));
    expect(t.traffic).toMatchObject({
      connects: 3,
      refusals: 0,
      closes: 3,
      publishes: 3,
      deliveries: 3,
      replayed: 3,
      replayed_bytes: replayedBytes,
      storage_failures: 0,
      hook_failures: 0,
    });
    expect(t.traffic.batches).toBeGreaterThanOrEqual(1);
    expect(t.traffic.batches).toBeLessThanOrEqual(3);
    expect(t.traffic.connect_ms_sum).toBeGreaterThanOrEqual(0);
    expect(t.closed).toEqual({ 1000: 1, 4000: 1, 4403: 1 });
    // Which object writes what: the room alone, or the sequencer (the log) and the shards (sockets).
    if (k.kind === "plain") expect(t.sources).toEqual([`room:${room}`]);
    else {
      expect(t.sources).toEqual([`sequencer:${room}`, `shard:${room}`]);
      const log = await totals([o.log]);
      expect(log.traffic).toMatchObject({ publishes: 3, connects: 0, deliveries: 0, closes: 0 });
    }
  });

  it("counts refusals by code: too many connections, banned, rejected and a failed onJoin", async ({
    expect,
  }) => {
    const room = k.room(true);
    const o = await recordFrom(k, room, ["dan", "eve", "mallory", "broken"]);

    const dans = [];
    for (let i = 0; i < 5; i++) dans.push(await join(room, { token: await token({ sub: "dan" }) }));
    const sixth = await open(room, { token: await token({ sub: "dan" }) });
    expect(sixth instanceof Response && (await errorOf(sixth)).code).toBe("too_many_connections");

    const eve = await join(room, { token: await token({ sub: "eve" }) });
    await kick(room, "eve", 60);
    await eve.socket.waitClose();
    const banned = await open(room, { token: await token({ sub: "eve" }) });
    expect(banned instanceof Response && (await errorOf(banned)).code).toBe("banned");

    const mallory = await open(room, { token: await token({ sub: "mallory" }) });
    expect(mallory instanceof Response && (await errorOf(mallory)).code).toBe("rejected");
    const broken = await open(room, { token: await token({ sub: "broken" }) });
    expect(broken instanceof Response && (await errorOf(broken)).code).toBe("internal");

    for (const d of dans) d.socket.close();
    await Promise.all(dans.map((d) => d.socket.waitClose()));

    const t = await totals(all(o));
    expect(t.refused).toEqual({ too_many_connections: 1, banned: 1, rejected: 1, internal: 1 });
    expect(t.traffic.refusals).toBe(4);
    expect(t.traffic.connects).toBe(6);
    expect(t.traffic.hook_failures).toBe(1);
    expect(t.closed).toEqual({ 1000: 5, 4403: 1 });
  });

  it("counts a commit's batch frame to a ?batch=1 socket as one delivery", async ({ expect }) => {
    const room = k.room();
    const o = await recordFrom(k, room, ["ann", "bob"]);
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const bob = await join(room, { token: await token({ sub: "bob" }), query: "batch=1" });
    type Held = { faults: { holdFlush: Promise<void> | null } };
    // Hold the first commit's flush, so that the next two publishes are written together.
    let release = () => {};
    await runInDurableObject(o.log, (obj: Obj) => {
      (obj as unknown as Held).faults.holdFlush = new Promise<void>((r) => {
        release = r;
      });
    });
    const log = o.log as unknown as DurableObjectStub<Obj & RoomBackend>;
    const from = { id: "ops", name: null };
    const published = [1, 2, 3].map((n) => log.publish(room, from, { n }));
    // Calls from one caller arrive in order: once this one is answered, all three are in the log.
    await log.banned(room, "nobody");
    await runInDurableObject(o.log, (obj: Obj) => {
      (obj as unknown as Held).faults.holdFlush = null;
      release();
    });
    expect((await Promise.all(published)).map((r) => r.ok && r.seq)).toEqual([1, 2, 3]);
    expect(await nextOf(bob.socket, "message")).toMatchObject({ seq: 1 });
    const batch = await nextOf(bob.socket, "batch");
    expect(batch.messages.map((m) => m.seq)).toEqual([2, 3]);
    for (const n of [1, 2, 3]) expect(await nextOf(ann.socket, "message")).toMatchObject({ seq: n });

    const t = await totals(all(o));
    // ann: three message frames; bob: one message frame, then one batch frame of two.
    expect(t.traffic).toMatchObject({ publishes: 3, batches: 2, deliveries: 5 });
    ann.socket.close();
    bob.socket.close();
  });

  it("counts a storage failure and the 1011 close it causes", async ({ expect }) => {
    const room = k.room();
    const o = await recordFrom(k, room, ["ann"]);
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    await runInDurableObject(o.log, (obj: Obj) => {
      (obj as unknown as { faults: { failWrites: number } }).faults.failWrites = 1;
    });
    ann.socket.send({ type: "publish", data: "lost", id: "f1" });
    expect((await ann.socket.waitClose()).code).toBe(1011);

    const t = await totals(all(o));
    expect(t.traffic).toMatchObject({ storage_failures: 1, publishes: 0, batches: 0 });
    expect(t.closed).toEqual({ 1011: 1 });
  });

  it("counts a failed onPublish", async ({ expect }) => {
    const room = k.room(true);
    const o = await recordFrom(k, room, ["ann"]);
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    ann.socket.send({ type: "publish", data: { text: "throw" } });
    let f = await ann.socket.next();
    while (f.type === "presence" || f.type === "direct") f = await ann.socket.next();
    expect(f).toMatchObject({ type: "error", code: "internal" });

    const t = await totals(all(o));
    // (Not `publishes`: the hooked room's onLeave publishes when the naming socket left, maybe by now.)
    expect(t.traffic.hook_failures).toBe(1);
    ann.socket.close();
  });

  it("counts events the queue refused after every retry", async ({ expect }) => {
    const room = k.room();
    const o = await recordFrom(k, room, ["ann"]);
    for (const stub of all(o)) {
      await runInDurableObject(stub, (obj: Obj) => void obj.eventSink().record(99));
    }
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    ann.socket.send({ type: "publish", data: 1 });
    expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: 1 });
    ann.socket.close();
    await ann.socket.waitClose();
    // join, message, leave: each batch gives up after its retries (about 3 s at most).
    await expect
      .poll(async () => (await totals(all(o))).traffic.queue_failures, { timeout: 8000, interval: 200 })
      .toBe(3);
  });
});
