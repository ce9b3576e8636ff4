// Presence state: set by any of the user's connections, carried in members, kept across hibernation.
import { evictDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string, extra: Record<string, unknown> = {}) =>
  token({ sub, name: sub.toUpperCase(), ...extra });

describe("state frames", () => {
  it("update everyone else (the user's other sockets too) and appear in members", async ({ expect }) => {
    const room = uniqueRoom("st");
    const ann1 = await join(room, { token: await as("ann") });
    expect(ann1.welcome.members).toEqual([{ id: "ann", name: "ANN", connections: 1, state: null }]);
    const ann2 = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob", { rooms: { [room]: ["read"] } }) });
    await ann1.socket.expect("presence");
    await ann2.socket.expect("presence");

    bob.socket.send({ type: "state", data: { status: "away" } }); // read is enough
    for (const s of [ann1.socket, ann2.socket]) {
      expect(await s.expect("presence")).toEqual({
        type: "presence",
        event: "update",
        user: { id: "bob", name: "BOB" },
        state: { status: "away" },
        members: 2,
      });
    }
    ann2.socket.send({ type: "state", data: "typing" });
    expect(await ann1.socket.expect("presence")).toMatchObject({
      event: "update",
      user: { id: "ann" },
      state: "typing",
    });
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "update", state: "typing" });
    // Last write from any connection wins.
    ann1.socket.send({ type: "state", data: "idle" });
    expect(await ann2.socket.expect("presence")).toMatchObject({ state: "idle" });
    expect(await bob.socket.expect("presence")).toMatchObject({ state: "idle" });

    const cat = await join(room, { token: await as("cat") });
    expect(cat.welcome.members).toEqual(
      expect.arrayContaining([
        { id: "ann", name: "ANN", connections: 2, state: "idle" },
        { id: "bob", name: "BOB", connections: 1, state: { status: "away" } },
        { id: "cat", name: "CAT", connections: 1, state: null },
      ]),
    );
    for (const s of [ann1, ann2, bob, cat]) s.socket.close();
  });

  it("over 1,024 bytes is refused with too_large; a new connection of the user inherits the state", async ({
    expect,
  }) => {
    const room = uniqueRoom("st");
    const ann = await join(room, { token: await as("ann") });
    ann.socket.send({ type: "state", data: "x".repeat(1023) }); // 1,025 bytes serialised
    expect(await ann.socket.expect("error")).toMatchObject({ code: "too_large" });
    ann.socket.send({ type: "state", data: "x".repeat(1022) }); // exactly 1,024
    const tab = await join(room, { token: await as("ann") });
    expect(tab.welcome.members).toEqual([
      { id: "ann", name: "ANN", connections: 2, state: "x".repeat(1022) },
    ]);
    ann.socket.close();
    tab.socket.close();
  });

  it("survives evictDurableObject and is cleared when the user's last connection leaves", async ({
    expect,
  }) => {
    const room = uniqueRoom("st");
    const ann = await join(room, { token: await as("ann") });
    const bob = await join(room, { token: await as("bob") });
    await ann.socket.expect("presence");
    ann.socket.send({ type: "state", data: { page: 7 } });
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "update", state: { page: 7 } });

    await evictDurableObject(roomStub(room));
    const cat = await join(room, { token: await as("cat") });
    expect(cat.welcome.members).toEqual(
      expect.arrayContaining([{ id: "ann", name: "ANN", connections: 1, state: { page: 7 } }]),
    );

    ann.socket.close();
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "join", user: { id: "cat" } });
    expect(await bob.socket.expect("presence")).toMatchObject({ event: "leave", user: { id: "ann" } });
    const again = await join(room, { token: await as("ann") });
    expect(again.welcome.members).toEqual(
      expect.arrayContaining([{ id: "ann", name: "ANN", connections: 1, state: null }]),
    );
    for (const s of [bob, cat, again]) s.socket.close();
  });
});
