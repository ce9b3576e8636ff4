// One suite over both kinds of room (plain and sharded): what a socket sees does not depend on how the
// room is deployed. Alarm (4408, 4401, a cached alarm), limits (1009, rate_limited, 4429, too_large),
// the close reply, signals (their own bucket, write checked before parsing), refresh and presence state.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { join, nowSeconds, token } from "../../helpers/runtime.ts";
import { ageUser, KINDS, nextOf } from "./kinds.ts";

describe.each(KINDS)("$kind room: alarm", (k) => {
  it("closes an idle socket with 4408 and an expired one with 4401", async ({ expect }) => {
    const room = k.room();
    const idle = await join(room, { token: await token({ sub: "idle" }) });
    const late = await join(room, { token: await token({ sub: "late", exp: nowSeconds() + 30 }) });
    await ageUser(k, room, "idle", "seen", 61_000);
    await ageUser(k, room, "late", "exp", 31_000);
    // One object holds both in a plain room, maybe two shards in a sharded one: run each one's alarm.
    await runDurableObjectAlarm(k.host(room, "idle"));
    await runDurableObjectAlarm(k.host(room, "late"));
    expect(await idle.socket.waitClose()).toMatchObject({ code: 4408 });
    expect(await late.socket.waitClose()).toMatchObject({ code: 4401 });
  });

  it("keeps the armed alarm in memory: a later connect reads no alarm from storage", async ({ expect }) => {
    const room = k.room();
    const first = await join(room, { token: await token({ sub: "ann" }) });
    // Behind the host's back: a connect that read storage would now see this and move the alarm.
    const far = Date.now() + 3_600_000;
    await runInDurableObject(k.host(room, "ann"), (_o, state) => state.storage.setAlarm(far));
    const second = await join(room, { token: await token({ sub: "ann" }) });
    const at = await runInDurableObject(k.host(room, "ann"), (_o, state) => state.storage.getAlarm());
    expect(at).toBe(far);
    first.socket.close();
    second.socket.close();
  });
});

describe.each(KINDS)("$kind room: limits and close", (k) => {
  it("closes a frame over MAX_MESSAGE_BYTES with 1009", async ({ expect }) => {
    const { socket } = await join(k.room());
    socket.send(JSON.stringify({ type: "publish", data: "€".repeat(1366) }));
    expect((await socket.waitClose()).code).toBe(1009);
  });

  it("answers rate_limited beyond the burst, then closes a flooder with 4429", async ({ expect }) => {
    const { socket } = await join(k.room(), { token: await token({ sub: "flood" }) });
    for (let i = 0; i < 600; i++) socket.send({ type: "direct", to: "nobody", data: i });
    expect((await socket.waitClose(10_000)).code).toBe(4429);
    const codes = socket.pending().map((f) => (f.type === "error" ? f.code : f.type));
    expect(codes).toContain("rate_limited");
  });

  it("refuses a message whose rendered frame is too large with too_large, and stays open", async ({
    expect,
  }) => {
    const { socket } = await join(k.room());
    // About 4 KB as sent, about 17 KB as rendered (each 1e20 becomes 100000000000000000000).
    socket.send(`{"type":"publish","id":"big","data":[${Array(800).fill("1e20").join(",")}]}`);
    expect(await nextOf(socket, "error")).toMatchObject({ code: "too_large", id: "big" });
    socket.send({ type: "publish", data: "small" });
    expect(await nextOf(socket, "ack")).toMatchObject({ seq: 1 });
    socket.close();
  });

  it("answers a client's close in kind", async ({ expect }) => {
    const { socket } = await join(k.room());
    socket.send("ping");
    await socket.next();
    socket.close(4000);
    expect((await socket.waitClose()).code).toBe(4000);
  });
});

describe.each(KINDS)("$kind room: signals, refresh, presence state", (k) => {
  it("relays a writer's signal; a reader's is forbidden before its body is parsed", async ({ expect }) => {
    const room = k.room();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const rita = await join(room, { token: await token({ sub: "rita", rooms: { [room]: ["read"] } }) });
    ann.socket.send({ type: "signal", data: { x: 1 } });
    expect(await nextOf(rita.socket, "signal")).toMatchObject({ from: { id: "ann" }, data: { x: 1 } });
    rita.socket.send('{"type":"signal" this is not JSON');
    expect(await nextOf(rita.socket, "error")).toMatchObject({ code: "forbidden" });
    ann.socket.send({ type: "signal" });
    expect(await nextOf(ann.socket, "error")).toMatchObject({ code: "bad_message" });
    ann.socket.close();
    rita.socket.close();
  });

  it("closes a read-only signal flood with 4429 (refused signals count toward the streak)", async ({
    expect,
  }) => {
    const room = k.room();
    const rita = await join(room, { token: await token({ sub: "rita", rooms: { [room]: ["read"] } }) });
    const body = "x".repeat(3000);
    for (let i = 0; i < 1000; i++) rita.socket.send(`{"type":"signal","data":"${body}"}`);
    expect((await rita.socket.waitClose(10_000)).code).toBe(4429);
  });

  it("refreshes a connection's token in band", async ({ expect }) => {
    const { socket } = await join(k.room(), { token: await token({ sub: "ann", exp: nowSeconds() + 60 }) });
    const exp = nowSeconds() + 7200;
    socket.send({ type: "refresh", token: await token({ sub: "ann", exp }) });
    expect(await nextOf(socket, "refreshed")).toMatchObject({ exp });
    socket.send({ type: "refresh", token: await token({ sub: "bob" }) });
    expect(await nextOf(socket, "error")).toMatchObject({ code: "unauthorized" });
    socket.close();
  });

  it("lists a user's presence state in a later joiner's welcome", async ({ expect }) => {
    const room = k.room();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    ann.socket.send({ type: "state", data: { typing: true } });
    ann.socket.send({ type: "publish", data: "after state" });
    await nextOf(ann.socket, "ack");
    // Same user, so the same shard: its welcome lists the state stored on ann's sockets.
    const again = await join(room, { token: await token({ sub: "ann" }) });
    expect(again.welcome.members).toContainEqual(
      expect.objectContaining({ id: "ann", state: { typing: true } }),
    );
    ann.socket.send({ type: "state", data: "x".repeat(2000) });
    expect(await nextOf(ann.socket, "error")).toMatchObject({ code: "too_large" });
    ann.socket.close();
    again.socket.close();
  });
});
