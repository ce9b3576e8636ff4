// The live room directory against `wrangler dev`: 50 rooms (and a sharded one) coming and going, seen
// through GET /rooms, `roomcast rooms` and `roomcast top` (not a terminal, and --once).
import { describe, expect, it } from "vitest";
import type { RoomEntry } from "../../src/server/directory.ts";
import { request } from "../e2e/support/http.ts";
import { type Joined, join } from "../e2e/support/rooms.ts";
import { useDevServer } from "../e2e/support/use-dev-server.ts";
import { TEST_SECRET } from "../support/dev-server.ts";
import { tokenFor } from "../support/tokens.ts";
import { runCli, startCli, stopCli } from "./cli-process.ts";

const P = "dir";
const SHARDED = `${P}-s-big`;
const server = useDevServer({
  vars: { DIRECTORY_REPORT_SECONDS: "1", SHARDED_ROOMS: `${P}-s-*`, ROOM_SHARDS: "2", LOG_LEVEL: "warn" },
});
const AUTH = ["--user", "op", "--secret", TEST_SECRET];

/** Room i has 1-3 sockets; its first two belong to one user, so users ≠ sockets in some rooms. */
const plan = (i: number) => ["a", "a", "b"].slice(0, 1 + (i % 3));
const roomName = (i: number) => `${P}-${String(i).padStart(3, "0")}`;

async function listing(): Promise<RoomEntry[]> {
  const token = await tokenFor("op", { "*": ["admin"] });
  const res = await request(`${server.url}/rooms?prefix=${P}&limit=500`, { token });
  expect(res.status, res.text).toBe(200);
  return (res.body as { rooms: RoomEntry[] }).rooms;
}

type Expected = Record<string, { sockets: number; users: number }>;

/** Polls GET /rooms until it lists exactly `want` (names and counts); fails with the last listing. */
async function until(want: Expected, timeoutMs = 25_000): Promise<RoomEntry[]> {
  let last: RoomEntry[] = [];
  await expect
    .poll(
      async () => {
        last = await listing();
        return Object.fromEntries(last.map((r) => [r.room, { sockets: r.sockets, users: r.users }]));
      },
      { timeout: timeoutMs, interval: 250 },
    )
    .toEqual(want);
  return last;
}

async function open(room: string, users: string[]): Promise<Joined[]> {
  const out: Joined[] = [];
  for (const u of users)
    out.push(await join(server.url, room, { token: await tokenFor(u, { "*": ["read", "write"] }) }));
  return out;
}

const sorted = (e: Expected): Expected =>
  Object.fromEntries(Object.entries(e).sort(([a], [b]) => (a < b ? -1 : 1)));

describe("the room directory under wrangler dev", () => {
  it("lists 50 rooms while they have sockets, with their counts, and drops them after their last socket", async () => {
    const live = new Map<string, Joined[]>();
    const want: Expected = {};
    for (let i = 0; i < 50; i++) {
      const users = plan(i);
      live.set(roomName(i), await open(roomName(i), users));
      want[roomName(i)] = { sockets: users.length, users: new Set(users).size };
    }
    live.set(SHARDED, await open(SHARDED, ["x", "y", "z"]));
    want[SHARDED] = { sockets: 3, users: 3 };
    const listed = await until(sorted(want));
    expect(listed.find((r) => r.room === SHARDED)?.sharded).toBe(true);
    expect(listed.filter((r) => r.sharded)).toHaveLength(1);

    // The CLI shows the same rooms: JSON lines, a table, and top (once, and refreshing off a terminal).
    const json = await runCli(["rooms", server.url, "--prefix", P, "--json", ...AUTH]);
    expect(json.code, json.stderr).toBe(0);
    const rows = json.stdout
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as RoomEntry);
    expect(rows.map((r) => r.room)).toEqual(Object.keys(sorted(want)));
    const table = await runCli(["rooms", server.url, "--prefix", P, ...AUTH]);
    expect(table.code, table.stderr).toBe(0);
    expect(table.stdout).toMatch(/^ROOM\s+SOCKETS\s+USERS\s+MSG\/MIN\s+SEQ\s+SHARDED\s+ACTIVE/);
    expect(table.stdout).toMatch(new RegExp(`${SHARDED}\\s+3\\s+3\\s+0\\s+0\\s+yes`));
    const once = await runCli(["top", server.url, "--prefix", P, "--once", ...AUTH]);
    expect(once.code, once.stderr).toBe(0);
    expect(once.stdout).toContain("rooms: 51  sockets: 102");
    // Busiest first: the 3-socket rooms (the sharded one among them) lead, 1-socket rooms close.
    const counts = once.stdout
      .split("\n")
      .slice(3)
      .filter((line) => line !== "")
      .map((line) => Number(line.split(/\s+/)[1]));
    expect(counts.slice(0, 17)).toEqual(Array(17).fill(3));
    expect(counts).toHaveLength(51);
    expect(counts.at(-1)).toBe(1);

    const top = startCli(["top", server.url, "--prefix", P, "--interval", "0.3", ...AUTH]);
    try {
      await expect
        .poll(() => (top.stdout().match(/roomcast top - /g) ?? []).length, {
          message: "top printed a second screen",
          timeout: 20_000,
          interval: 100,
        })
        .toBeGreaterThanOrEqual(2);
      top.child.kill("SIGTERM");
      expect((await top.exited).code).toBe(0);
      expect(top.stdout()).not.toContain("\x1b[");
    } finally {
      stopCli(top);
    }

    // Rooms go: the first 25 lose every socket, the 3-socket ones among the rest lose one, and ten
    // new rooms come.
    for (let i = 0; i < 50; i++) {
      const socks = live.get(roomName(i)) ?? [];
      if (i < 25) {
        await Promise.all(socks.map((s) => s.sock.shutdown()));
        delete want[roomName(i)];
      } else if (socks.length === 3) {
        await socks[2]?.sock.shutdown();
        want[roomName(i)] = { sockets: 2, users: 1 };
      }
    }
    for (let i = 50; i < 60; i++) {
      live.set(roomName(i), await open(roomName(i), ["c"]));
      want[roomName(i)] = { sockets: 1, users: 1 };
    }
    await until(sorted(want));

    // Everyone leaves: the directory is empty again.
    await Promise.all([...live.values()].flat().map((s) => s.sock.shutdown()));
    await until({});
  });
});
