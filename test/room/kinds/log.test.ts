// One suite over both kinds of room (plain and sharded) for what the message log decides: kick and ban
// (the socket, the door, /auth/check and history all refuse a banned user), and the replay budget.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { call, errorOf, join, open, token } from "../../helpers/runtime.ts";
import { KINDS, nextOf } from "./kinds.ts";

const admin = () => token({ sub: "ops", rooms: { "*": ["admin"] } });

function post(path: string, tok: string, body: unknown): Promise<Response> {
  return call(path, {
    method: "POST",
    headers: { Authorization: `Bearer ${tok}`, "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe.each(KINDS)("$kind room: kick and ban", (k) => {
  it("closes the user's sockets with 4403 and refuses them everywhere while banned", async ({ expect }) => {
    const room = k.room();
    const bob = await join(room, { token: await token({ sub: "bob" }) });
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    const kick = await post(`/rooms/${room}/kick`, await admin(), {
      user: "bob",
      banSeconds: 60,
      reason: "spam",
    });
    expect(await kick.json()).toEqual({ closed: 1 });
    expect(await bob.socket.waitClose()).toMatchObject({ code: 4403 });

    const bobToken = await token({ sub: "bob" });
    const again = await open(room, { token: bobToken });
    expect(again).toBeInstanceOf(Response);
    if (again instanceof Response)
      expect(await errorOf(again)).toMatchObject({ status: 403, code: "banned" });
    const auth = { headers: { Authorization: `Bearer ${bobToken}` } };
    expect(await errorOf(await call(`/auth/check?room=${room}`, auth))).toMatchObject({ code: "banned" });
    // History is covered by the ban too: messages posted after it are not readable by the banned user.
    ann.socket.send({ type: "publish", data: "after the ban" });
    await nextOf(ann.socket, "ack");
    const history = await call(`/rooms/${room}/messages`, auth);
    expect(await errorOf(history)).toMatchObject({ status: 403, code: "banned" });
    expect(
      (await call(`/rooms/${room}/messages`, { headers: { Authorization: `Bearer ${await token()}` } }))
        .status,
    ).toBe(200);
    ann.socket.close();
  });
});

describe.each(KINDS)("$kind room: replay budget", (k) => {
  it("replays at most MAX_REPLAY_BYTES and says where to continue (synced.more, next)", async ({
    expect,
  }) => {
    const room = k.room();
    const ann = await join(room, { token: await token({ sub: "ann" }) });
    // 24 messages of about 3.9 KB: more than the 64 KiB replay budget of the test settings.
    for (let i = 1; i <= 24; i++) {
      ann.socket.send({ type: "publish", data: `${i}:${"x".repeat(3900)}` });
      expect(await nextOf(ann.socket, "ack")).toMatchObject({ seq: i });
    }
    const late = await join(room, {
      token: await token({ sub: "ann" }),
      query: `since=0&epoch=${ann.welcome.epoch}`,
    });
    expect(late.synced).toMatchObject({ seq: 24, more: true });
    const replayed = late.replay.map((m) => m.seq);
    expect(replayed[0]).toBe(1);
    expect(replayed.length).toBeLessThan(24);
    expect(late.synced.next).toBe(replayed.length + 1);
    ann.socket.close();
    late.socket.close();
  });
});

describe.each(KINDS)("$kind room: a ban outlasts a move into or out of SHARDED_ROOMS", (k) => {
  it("is mirrored into the room's other deployment", async ({ expect }) => {
    const room = k.room();
    const kick = await post(`/rooms/${room}/kick`, await admin(), { user: "bob", banSeconds: 60 });
    expect(await kick.json()).toEqual({ closed: 0 });
    // The object that would serve this room name if SHARDED_ROOMS changed holds the ban too.
    const other = k.kind === "plain" ? env.SEQUENCERS.getByName(room) : env.ROOMS.getByName(room);
    expect(await other.banned(room, "bob")).toMatch(/banned from room/);
    expect(await other.banned(room, "ann")).toBeNull();
  });
});
