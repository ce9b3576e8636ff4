// Coalesced join/leave for batch sockets: `diff` frames netted per user; plain sockets keep per-user
// frames; a socket never hears of its own join or of changes its welcome already listed.
import { evictDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import { PRESENCE_DIFF_INTERVAL_MS } from "../../src/room/presence/presence-diff.ts";
import { join, roomStub, token, uniqueRoom } from "../helpers/runtime.ts";

const as = (sub: string) => token({ sub, name: sub.toUpperCase() });
const user = (id: string) => ({ id, name: id.toUpperCase() });

describe("presence diffs (batch=1)", () => {
  it("coalesce a burst of joins into one frame for batch sockets; plain sockets get one frame each", async ({
    expect,
  }) => {
    const room = uniqueRoom("pd");
    const watcher = await join(room, { token: await as("watcher"), query: "batch=1" });
    const plain = await join(room, { token: await as("plain") });
    // The first change after a quiet interval goes out at once.
    expect(await watcher.socket.expect("presence")).toEqual({
      type: "presence",
      event: "diff",
      joins: [user("plain")],
      leaves: [],
      members: 2,
    });
    const started = Date.now();
    const burst = [];
    for (const id of ["ann", "bob", "cat"]) burst.push(await join(room, { token: await as(id) }));
    burst[0]?.socket.close(); // ann leaves again inside the interval: never mentioned
    // The rest comes in one frame once the interval is over.
    const diff = await watcher.socket.expect("presence", 3000);
    expect(Date.now() - started).toBeGreaterThanOrEqual(PRESENCE_DIFF_INTERVAL_MS - 100);
    expect(diff).toEqual({
      type: "presence",
      event: "diff",
      joins: [user("bob"), user("cat")],
      leaves: [],
      members: 4,
    });
    // The plain socket saw every step, in order.
    const steps = [];
    for (let i = 0; i < 4; i++) steps.push(await plain.socket.expect("presence"));
    expect(steps.map((p) => ("user" in p ? `${p.event}:${p.user.id}:${p.members}` : p.event))).toEqual([
      "join:ann:3",
      "join:bob:4",
      "join:cat:5",
      "leave:ann:4",
    ]);
    for (const s of [watcher, plain, ...burst]) s.socket.close();
  });

  it("give a socket that joined part-way only the changes after its welcome, never its own join", async ({
    expect,
  }) => {
    const room = uniqueRoom("pd");
    const watcher = await join(room, { token: await as("watcher"), query: "batch=1" });
    const first = await join(room, { token: await as("first") });
    expect(await watcher.socket.expect("presence")).toMatchObject({ joins: [user("first")] });
    // Inside the interval: dan joins (pending), then a batch socket arrives and sees dan in its welcome.
    const dan = await join(room, { token: await as("dan") });
    const late = await join(room, { token: await as("late"), query: "batch=1" });
    expect(late.welcome.members.map((m) => m.id)).toEqual(["watcher", "first", "dan", "late"]);
    first.socket.close();
    expect(await watcher.socket.expect("presence", 3000)).toEqual({
      type: "presence",
      event: "diff",
      joins: [user("dan"), user("late")],
      leaves: [user("first")],
      members: 3,
    });
    expect(await late.socket.expect("presence", 3000)).toEqual({
      type: "presence",
      event: "diff",
      joins: [],
      leaves: [user("first")],
      members: 3,
    });
    for (const s of [watcher, dan, late]) s.socket.close();
  });

  it("send a pending diff before a state update, so a join never arrives after its user's update", async ({
    expect,
  }) => {
    const room = uniqueRoom("pd");
    const watcher = await join(room, { token: await as("watcher"), query: "batch=1" });
    const opener = await join(room, { token: await as("opener") });
    expect(await watcher.socket.expect("presence")).toMatchObject({ event: "diff" });
    const eve = await join(room, { token: await as("eve") }); // pending
    eve.socket.send({ type: "state", data: "typing" });
    expect(await watcher.socket.expect("presence")).toMatchObject({ event: "diff", joins: [user("eve")] });
    expect(await watcher.socket.expect("presence")).toMatchObject({
      event: "update",
      user: user("eve"),
      state: "typing",
    });
    for (const s of [watcher, opener, eve]) s.socket.close();
  });

  it("still reach batch sockets after an eviction (the index reads the batch tag back)", async ({
    expect,
  }) => {
    const room = uniqueRoom("pd");
    const watcher = await join(room, { token: await as("watcher"), query: "batch=1" });
    await evictDurableObject(roomStub(room));
    const fay = await join(room, { token: await as("fay") });
    expect(await watcher.socket.expect("presence")).toEqual({
      type: "presence",
      event: "diff",
      joins: [user("fay")],
      leaves: [],
      members: 2,
    });
    for (const s of [watcher, fay]) s.socket.close();
  });
});
