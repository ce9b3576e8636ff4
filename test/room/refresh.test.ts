// In-band token refresh: verified inside the room, honoured by the alarm, no reconnect, no presence churn.
import { runDurableObjectAlarm, runInDurableObject } from "cloudflare:test";
import { sign } from "hono/jwt";
import { describe, it } from "vitest";
import type { Room } from "../../src/room/room.ts";
import { readState, writeState } from "../../src/room/sockets/socket-state.ts";
import { join, nowSeconds, roomStub, SECRET, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string, extra: Record<string, unknown> = {}) =>
  token({ sub, name: sub.toUpperCase(), ...extra });

/** Token time moves on by `s` seconds: every socket's expiry comes that much closer (idle time does not). */
async function tokensAge(room: string, s: number): Promise<void> {
  await runInDurableObject(roomStub(room), (r: Room) => {
    for (const [ws, st] of r.liveSockets()) {
      st.exp -= s * 1000;
      writeState(ws, st);
    }
  });
}

describe("refresh frames", () => {
  it("replace the token in place: the alarm then honours the new exp, and nobody sees a leave", async ({
    expect,
  }) => {
    const room = uniqueRoom("rf");
    const soon = nowSeconds() + 60;
    const ann = await join(room, { token: await as("ann", { exp: soon }) });
    const bob = await join(room, { token: await as("bob", { exp: soon }) });
    const cat = await join(room, { token: await as("cat") });
    await ann.socket.expect("presence"); // bob
    await ann.socket.expect("presence"); // cat
    await bob.socket.expect("presence"); // cat

    const later = nowSeconds() + 3600;
    ann.socket.send({ type: "refresh", token: await as("ann", { exp: later, name: "Ann B." }) });
    expect(await ann.socket.expect("refreshed")).toEqual({
      type: "refreshed",
      exp: later,
      capabilities: ["read", "write"],
    });

    // 61 s later in token time: the old exp has passed for ann and bob; only bob is closed.
    await tokensAge(room, 61);
    await runDurableObjectAlarm(roomStub(room));
    expect(await bob.socket.waitClose()).toMatchObject({ code: 4401 });
    expect(await cat.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "bob" } });
    expect(await ann.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "bob" } });
    ann.socket.send({ type: "publish", data: "still here", id: "a1" });
    expect(await ann.socket.expect("ack")).toMatchObject({ id: "a1", seq: 1 });
    expect(await cat.socket.expect("message")).toMatchObject({
      from: { id: "ann", name: "Ann B." },
      data: "still here",
    });
    expect(ann.socket.pending()).toEqual([]);
    ann.socket.close();
    cat.socket.close();
  });

  it("may narrow the capabilities: after a read-only refresh, publishing is forbidden", async ({
    expect,
  }) => {
    const room = uniqueRoom("rf");
    const ann = await join(room, { token: await as("ann") });
    ann.socket.send({ type: "refresh", token: await as("ann", { rooms: { [room]: ["read"] } }) });
    expect(await ann.socket.expect("refreshed")).toMatchObject({ capabilities: ["read"] });
    ann.socket.send({ type: "publish", data: 1 });
    expect(await ann.socket.expect("error")).toMatchObject({ code: "forbidden" });
    ann.socket.close();
  });

  it("refuses a token for another user, without read on the room, or invalid; the old token stays", async ({
    expect,
  }) => {
    const room = uniqueRoom("rf");
    const exp = nowSeconds() + 120;
    const ann = await join(room, { token: await as("ann", { exp }) });
    const cases: [string, string, string][] = [
      [await as("bob"), "unauthorized", "token is for user 'bob'"],
      [await as("ann", { rooms: { "other-*": ["read", "write"] } }), "forbidden", "no 'read' capability"],
      [await as("ann", { exp: nowSeconds() - 10 }), "unauthorized", "token expired"],
      [await as("ann", { exp: undefined }), "unauthorized", "token claim exp"],
      [await token({ sub: "ann" }, "another-secret-0123456789abcdef0123456789"), "unauthorized", "signature"],
      [
        await sign({ sub: "ann", exp: nowSeconds() + 60, rooms: ["*"] }, SECRET, "HS512"),
        "unauthorized",
        "HS256",
      ],
      ["not-a-jwt", "unauthorized", "malformed"],
    ];
    for (const [tok, code, message] of cases) {
      ann.socket.send({ type: "refresh", token: tok });
      const err = await ann.socket.expect("error");
      expect(err.code).toBe(code);
      expect(err.message).toContain(message);
    }
    ann.socket.send({ type: "refresh" });
    expect(await ann.socket.expect("error")).toMatchObject({ code: "bad_message" });
    await runInDurableObject(roomStub(room), (_: Room, state) => {
      const [ws] = state.getWebSockets();
      expect(ws && readState(ws)).toMatchObject({
        userId: "ann",
        exp: exp * 1000,
        capabilities: ["read", "write"],
      });
    });
    ann.socket.send({ type: "publish", data: "ok" });
    expect(await ann.socket.expect("ack")).toMatchObject({ seq: 1 });
    ann.socket.close();
  });
});
