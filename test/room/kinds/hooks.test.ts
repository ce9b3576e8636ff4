// Room hooks (test/support/hooked-worker.ts: TEST_HOOKS, in rooms named hook-…) on both kinds of room:
// onPublish transforms, refuses, fails or overruns without storing anything, keeps arrival order and
// runs once per message; onJoin refuses or greets, and sees only joins the room admits; onLeave publishes
// as the server.
import { runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { SocketObject } from "../../../src/room/sockets/socket-object.ts";
import type { RoomcastVars } from "../../../src/server/settings.ts";
import { call, errorOf, join, open, type TestSocket, token } from "../../helpers/runtime.ts";
import { KINDS, nextOf } from "./kinds.ts";

/** Frames up to the first of `type`, collected (presence skipped). */
async function until(s: TestSocket, type: string, ms = 5000) {
  const seen: { type: string; [k: string]: unknown }[] = [];
  const deadline = Date.now() + ms;
  for (;;) {
    const f = (await s.next(Math.max(1, deadline - Date.now()))) as { type: string; [k: string]: unknown };
    if (f.type === "presence") continue;
    seen.push(f);
    if (f.type === type) return seen;
  }
}

/** `POST /rooms/:room/kick` as an admin. */
async function kick(room: string, body: { user: string; banSeconds?: number }): Promise<Response> {
  const admin = await token({ sub: "ops", rooms: { "*": ["admin"] } });
  return call(`/rooms/${room}/kick`, {
    method: "POST",
    headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

/** Joins a hooked room and takes the onJoin greeting. */
async function greeted(room: string, sub: string) {
  const j = await join(room, { token: await token({ sub }) });
  await nextOf(j.socket, "direct");
  return j;
}

describe.each(KINDS)("$kind room: onPublish", (k) => {
  it("stores what the hook returns, tells the publisher in its ack, and refuses what it rejects", async ({
    expect,
  }) => {
    const room = k.room(true);
    const ann = await greeted(room, "ann");
    const bob = await greeted(room, "bob");
    ann.socket.send({ type: "publish", data: { text: "oh darn" }, id: "a1" });
    const annSaw = await until(ann.socket, "ack");
    expect(annSaw.at(-1)).toMatchObject({ seq: 1, id: "a1", data: { text: "oh ****" } });
    expect(await nextOf(bob.socket, "message")).toMatchObject({ seq: 1, data: { text: "oh ****" } });

    ann.socket.send({ type: "publish", data: { text: "reject me" }, id: "a2" });
    expect((await until(ann.socket, "error")).at(-1)).toMatchObject({
      code: "rejected",
      id: "a2",
      message: "no thanks",
    });
    ann.socket.send({ type: "publish", data: { text: "fine" }, id: "a3" });
    expect((await until(ann.socket, "ack")).at(-1)).toMatchObject({ seq: 2, id: "a3" });
    ann.socket.close();
    bob.socket.close();
  });

  it("answers internal when the hook throws or overruns its budget, and stores nothing", async ({
    expect,
  }) => {
    const room = k.room(true);
    const ann = await greeted(room, "ann");
    ann.socket.send({ type: "publish", data: { text: "throw" }, id: "t1" });
    expect((await until(ann.socket, "error")).at(-1)).toMatchObject({ code: "internal", id: "t1" });
    ann.socket.send({ type: "publish", data: { text: "slow" }, id: "t2" });
    expect((await until(ann.socket, "error")).at(-1)).toMatchObject({ code: "internal", id: "t2" });
    ann.socket.send({ type: "publish", data: "ok", id: "t3" });
    expect((await until(ann.socket, "ack")).at(-1)).toMatchObject({ seq: 1 });
    ann.socket.close();
  });

  it("keeps arrival order while hooks take different times, and runs once per message", async ({
    expect,
  }) => {
    const room = k.room(true);
    const ann = await greeted(room, "ann");
    ann.socket.send({ type: "publish", data: { delay: 150 }, id: "slow" });
    ann.socket.send({ type: "publish", data: { delay: 0 }, id: "fast" });
    // The same message again while its hook still runs, and once more after it was stored.
    ann.socket.send({ type: "publish", data: { delay: 0 }, id: "fast" });
    const frames = [
      ...(await until(ann.socket, "ack")),
      ...(await until(ann.socket, "ack")),
      ...(await until(ann.socket, "ack")),
    ];
    const acks = frames.filter((f) => f.type === "ack");
    expect(acks.find((a) => a.id === "slow")).toMatchObject({ seq: 1 });
    expect(acks.filter((a) => a.id === "fast").map((a) => [a.seq, a.duplicate ?? false])).toEqual([
      [2, false],
      [2, true],
    ]);
    ann.socket.send({ type: "publish", data: { delay: 0 }, id: "fast" });
    const again = await until(ann.socket, "ack");
    expect(again.at(-1)).toMatchObject({ seq: 2, duplicate: true });
    ann.socket.send("ping");
    const runs = [...frames, ...again]
      .filter((f) => f.type === "direct")
      .map((f) => (f.data as { hookRan: string }).hookRan);
    expect(runs.sort()).toEqual(["fast", "slow"]);
    expect((await ann.socket.next()).type).toBe("pong");
    ann.socket.close();
  });

  it("runs for HTTP publishes too: a refusal answers 422 rejected", async ({ expect }) => {
    const room = k.room(true);
    const admin = await token({ sub: "ops", rooms: { "*": ["admin"] } });
    const post = (data: unknown) =>
      call(`/rooms/${room}/messages`, {
        method: "POST",
        headers: { Authorization: `Bearer ${admin}`, "Content-Type": "application/json" },
        body: JSON.stringify({ data }),
      });
    expect(await errorOf(await post({ text: "reject me" }))).toMatchObject({ status: 422, code: "rejected" });
    const ok = await post({ text: "darn it" });
    expect(ok.status).toBe(201);
    expect(await ok.json()).toEqual({ seq: 1 });
  });
});

describe.each(KINDS)("$kind room: onJoin and onLeave", (k) => {
  it("refuses a connection with the hook's reason, greets the others after synced", async ({ expect }) => {
    const room = k.room(true);
    const refused = await open(room, { token: await token({ sub: "mallory" }) });
    expect(refused).toBeInstanceOf(Response);
    if (refused instanceof Response) {
      expect(await errorOf(refused)).toMatchObject({
        status: 403,
        code: "rejected",
        message: "mallory is not welcome here",
      });
    }
    const broken = await open(room, { token: await token({ sub: "broken" }) });
    if (broken instanceof Response)
      expect(await errorOf(broken)).toMatchObject({ status: 500, code: "internal" });
    else expect.unreachable("a failing onJoin must not admit");

    const ann = await join(room, { token: await token({ sub: "ann" }) });
    expect(await nextOf(ann.socket, "direct")).toMatchObject({
      from: { id: "@server" },
      data: { greeting: "hello ann" },
    });
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    await nextOf(bob.socket, "direct");
    bob.socket.close();
    // onLeave publishes as the server, once bob's last socket closed.
    expect(await nextOf(ann.socket, "message")).toMatchObject({
      from: { id: "@server" },
      data: { left: "bob" },
    });
    ann.socket.close();
  });

  it("runs onLeave for a join its onJoin admitted that a kick then refused", async ({ expect }) => {
    const room = k.room(true);
    const ann = await greeted(room, "ann");
    // Joins of dan wait after onJoin and the plan (the test seam), so a kick lands in between.
    let release = () => {};
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const host = k.host(room, "dan");
    await runInDurableObject(host, (o: SocketObject<RoomcastVars>) => o.holdJoins(gate));
    const pending = open(room, { token: await token({ sub: "dan" }) });
    await expect
      .poll(() => runInDurableObject(host, (o: SocketObject<RoomcastVars>) => o.joining()), { timeout: 3000 })
      .toBe(1);
    expect((await kick(room, { user: "dan" })).status).toBe(200);
    await runInDurableObject(host, (o: SocketObject<RoomcastVars>) => o.holdJoins(null));
    release();
    const refused = await pending;
    if (refused instanceof Response)
      expect(await errorOf(refused)).toMatchObject({ status: 403, code: "forbidden" });
    else expect.unreachable("a join kicked while in flight must be refused");
    // onJoin told the app dan joined; onLeave tells it dan is gone, as for any other departure.
    expect(await nextOf(ann.socket, "message")).toMatchObject({
      from: { id: "@server" },
      data: { left: "dan" },
    });
    ann.socket.close();
  });

  it("is not told of a join the room refuses: a banned user, or one over the per-user cap", async ({
    expect,
  }) => {
    const room = k.room(true);
    const ann = await greeted(room, "ann");
    expect((await kick(room, { user: "noted-eve", banSeconds: 3600 })).status).toBe(200);
    const banned = await open(room, { token: await token({ sub: "noted-eve" }) });
    if (banned instanceof Response)
      expect(await errorOf(banned)).toMatchObject({ status: 403, code: "banned" });
    else expect.unreachable("a banned user must not be admitted");

    // Five sockets are the per-user cap in the test config: each reaches onJoin, the sixth does not.
    const joe: TestSocket[] = [];
    for (let i = 0; i < 5; i++) joe.push((await greeted(room, "noted-joe")).socket);
    const over = await open(room, { token: await token({ sub: "noted-joe" }) });
    if (over instanceof Response)
      expect(await errorOf(over)).toMatchObject({ status: 429, code: "too_many_connections" });
    else expect.unreachable("a sixth socket of one user must be refused");

    // onJoin publishes one message per join it saw: five for joe, none for eve or joe's sixth socket.
    ann.socket.send({ type: "publish", data: "marker", id: "m" });
    const annSaw = await until(ann.socket, "ack");
    expect(annSaw.at(-1)).toMatchObject({ id: "m", seq: 6 });
    const seen = annSaw.filter((f) => f.type === "message").map((f) => f.data);
    expect(seen).toEqual(Array.from({ length: 5 }, () => ({ joinSeen: "noted-joe" })));
    for (const s of joe) s.close();
    ann.socket.close();
  });
});
