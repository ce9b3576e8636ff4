// `roomcast rooms` / `top` parsing and rendering, and the per-second minute counter behind
// messagesLastMinute: pure code, no server.
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { roomTable } from "../../src/cli/rooms.ts";
import { topScreen } from "../../src/cli/top.ts";
import { MinuteCounter } from "../../src/room/directory/minute-counter.ts";
import type { RoomEntry } from "../../src/server/directory.ts";

const AUTH = ["--token", "t"];
const entry = (room: string, sockets: number, minute = 0): RoomEntry => ({
  room,
  sockets,
  users: sockets,
  seq: 7,
  messagesLastMinute: minute,
  sharded: false,
  lastActivity: 1_000_000,
  reportedAt: 1_000_000,
});

describe("roomcast rooms / top arguments", () => {
  it("parses the URL, credentials and options", () => {
    expect(parseCommandLine(["rooms", "127.0.0.1:8787", "--prefix", "eu-", "--json", ...AUTH])).toMatchObject(
      {
        command: "rooms",
        base: "http://127.0.0.1:8787",
        prefix: "eu-",
        json: true,
        auth: { kind: "token", token: "t" },
      },
    );
    expect(parseCommandLine(["top", "http://h", "--once", "--interval", "0.5", ...AUTH])).toMatchObject({
      command: "top",
      once: true,
      interval: 0.5,
    });
    expect(parseCommandLine(["top", "http://h", ...AUTH])).toMatchObject({ once: false, interval: 2 });
  });

  it("refuses what does not fit", () => {
    for (const argv of [
      ["rooms", ...AUTH],
      ["rooms", "http://h"],
      ["rooms", "http://h", "--prefix", "a b", ...AUTH],
      ["rooms", "http://h", "--once", ...AUTH],
      ["top", "http://h", "--json", ...AUTH],
      ["top", "http://h", "--interval", "0", ...AUTH],
    ]) {
      expect(() => parseCommandLine(argv), argv.join(" ")).toThrow(UsageError);
    }
  });
});

describe("rendering", () => {
  it("a table with a header, one row per room, and how long ago each was active", () => {
    const t = roomTable([entry("lobby", 3, 12)], 1_000_000 + 65_000).split("\n");
    expect(t[0]).toMatch(/^ROOM\s+SOCKETS\s+USERS\s+MSG\/MIN\s+SEQ\s+SHARDED\s+ACTIVE$/);
    expect(t[1]).toMatch(/^lobby\s+3\s+3\s+12\s+7\s+no\s+65s$/);
    expect(roomTable([], 0)).toContain("(no live rooms)");
  });

  it("top sorts busiest first and sums the rooms", () => {
    const s = topScreen([entry("a", 1), entry("b", 5, 3), entry("c", 5, 9)], 0).split("\n");
    expect(s[0]).toContain("rooms: 3  sockets: 11  messages/min: 12");
    expect(s.slice(3).map((l) => l.split(/\s+/)[0])).toEqual(["c", "b", "a"]);
  });
});

describe("MinuteCounter", () => {
  it("counts the last 60 seconds, forgetting older seconds", () => {
    const c = new MinuteCounter();
    c.add(0);
    c.add(500);
    c.add(30_000, 3);
    expect(c.total(30_999)).toBe(5);
    expect(c.total(60_500)).toBe(3);
    expect(c.total(90_000)).toBe(0);
    c.add(120_000);
    expect(c.total(120_000)).toBe(1);
  });
});
