// No silent failure: a failed storage write (1011, 503), a full publish queue (overloaded), and the
// rendered-size rule (too_large). Faults are injected through the room's test seam (`Room.faults`).
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { call, errorOf, join, roomStub, type TestSocket, token, uniqueRoom } from "../helpers/runtime.ts";

/** Skips broadcasts (the queued messages) up to the next frame of `type`. */
async function nextOfType(s: TestSocket, type: "ack" | "error") {
  for (let i = 0; i < 2000; i++) {
    const f = await s.next(10_000);
    if (f.type === type) return f;
    if (f.type !== "message") throw new Error(`unexpected ${JSON.stringify(f)}`);
  }
  throw new Error(`no ${type} frame`);
}

const admin = () => token({ sub: "ops", rooms: { "*": ["admin"] } });

function httpPublish(room: string, tok: string, body: unknown): Promise<Response> {
  return call(`/rooms/${room}/messages`, {
    method: "POST",
    headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("storage failure", () => {
  it("no ack, no broadcast, the publisher's socket closes 1011; the resend with the same id lands once", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    await ann.socket.expect("presence");
    await runInDurableObject(roomStub(room), (r: Room) => {
      r.faults.failWrites = 1;
    });
    ann.socket.send({ type: "publish", data: "first try", id: "k1" });
    expect(await ann.socket.waitClose()).toMatchObject({ code: 1011 });
    expect(ann.socket.pending()).toEqual([]);
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "ann" } });

    // Reconnect, resume, resend: stored once with seq 1 (the failed transaction left nothing behind).
    const again = await join(room, {
      token: await token({ sub: "ann" }),
      query: `since=0&epoch=${ann.welcome.epoch}`,
    });
    expect(again.replay).toEqual([]);
    expect(again.synced).toMatchObject({ seq: 0, gap: false });
    await bob.socket.expect("presence");
    again.socket.send({ type: "publish", data: "first try", id: "k1" });
    expect(await again.socket.expect("ack")).toEqual({ type: "ack", id: "k1", seq: 1 });
    expect(await bob.socket.expect("message")).toMatchObject({ seq: 1, id: "k1", data: "first try" });
    again.socket.send({ type: "publish", data: "first try", id: "k1" });
    expect(await again.socket.expect("ack")).toEqual({ type: "ack", id: "k1", seq: 1, duplicate: true });
    again.socket.send({ type: "publish", data: "next" });
    expect(await again.socket.expect("ack")).toMatchObject({ seq: 2 });
    expect(await bob.socket.expect("message")).toMatchObject({ seq: 2 });
    expect(bob.socket.pending()).toEqual([]);
    again.socket.close();
    bob.socket.close();
  });

  it("an HTTP publish answers 503 unavailable with Retry-After, and nothing is stored", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const tok = await admin();
    await runInDurableObject(roomStub(room), (r: Room) => {
      r.faults.failWrites = 1;
    });
    const res = await httpPublish(room, tok, { data: 1, id: "h1" });
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toMatchObject({ status: 503, code: "unavailable" });
    const ok = await httpPublish(room, tok, { data: 1, id: "h1" });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ seq: 1 });
  });
});

describe("backpressure", () => {
  it("beyond 1,000 publishes waiting for storage: overloaded (socket error, HTTP 503 + Retry-After)", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    let release: () => void = () => {};
    await runInDurableObject(roomStub(room), (r: Room) => {
      r.faults.holdFlush = new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    const stub = roomStub(room);
    const from = { id: "ops", name: null };
    const queued = Array.from({ length: 1000 }, (_, i) => stub.publish(room, from, i));
    // Every one of those is in the room (written or waiting) once the next call is answered.
    const over = await stub.publish(room, from, "one too many");
    expect(over).toMatchObject({ ok: false, code: "overloaded" });
    const res = await httpPublish(room, await admin(), { data: "http" });
    expect(res.headers.get("retry-after")).toBe("1");
    expect(await errorOf(res)).toMatchObject({ status: 503, code: "overloaded" });
    ann.socket.send({ type: "publish", data: "socket", id: "s1" });
    expect(await nextOfType(ann.socket, "error")).toMatchObject({ code: "overloaded", id: "s1" });

    // Released from inside the object: its flush continues in its own I/O context.
    await runInDurableObject(stub, (r: Room) => {
      r.faults.holdFlush = null;
      release();
    });
    const results = await Promise.all(queued);
    expect(results.map((r) => (r.ok ? r.seq : -1))).toEqual(Array.from({ length: 1000 }, (_, i) => i + 1));
    // Drained: accepted again (the socket saw the 1,000 broadcasts first).
    ann.socket.send({ type: "publish", data: "socket", id: "s1" });
    expect(await nextOfType(ann.socket, "ack")).toMatchObject({ id: "s1", seq: 1001 });
    ann.socket.close();
  });
});

describe("rendered size", () => {
  it("a publish whose message frame would exceed MAX_MESSAGE_BYTES + 4096 is refused with too_large", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    // 800 × "1e20" is about 4 KB as sent, about 17 KB as the server renders it (100000000000000000000).
    const data = JSON.parse(`[${Array(800).fill("1e20").join(",")}]`) as number[];
    const text = `{"type":"publish","id":"big","data":[${Array(800).fill("1e20").join(",")}]}`;
    expect(text.length).toBeLessThan(4096);
    ann.socket.send(text);
    expect(await ann.socket.expect("error")).toMatchObject({ code: "too_large", id: "big" });
    // Socket stays open; no seq was used.
    ann.socket.send({ type: "publish", data: "small" });
    expect(await ann.socket.expect("ack")).toMatchObject({ seq: 1 });
    ann.socket.close();
    const http = await httpPublish(room, await admin(), { data });
    expect(await errorOf(http)).toMatchObject({ status: 413, code: "too_large" });
  });
});
