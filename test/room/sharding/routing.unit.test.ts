// Sharding settings and routing: which rooms are sharded, which shard serves a user.
import { describe, it } from "vitest";
import {
  hashUserId,
  isSharded,
  parseSharding,
  ShardingSettingsError,
  shardName,
  shardOf,
} from "../../../src/server/sharding.ts";

describe("parseSharding", () => {
  it("defaults: no sharded rooms, 8 shards", ({ expect }) => {
    expect(parseSharding({})).toEqual({ shardedRooms: [], roomShards: 8 });
    expect(parseSharding({ SHARDED_ROOMS: " ", ROOM_SHARDS: "" })).toEqual({
      shardedRooms: [],
      roomShards: 8,
    });
  });

  it("reads comma-separated patterns and the shard count", ({ expect }) => {
    expect(parseSharding({ SHARDED_ROOMS: "live-*, stage ,*", ROOM_SHARDS: "64" })).toEqual({
      shardedRooms: ["live-*", "stage", "*"],
      roomShards: 64,
    });
  });

  it.for(["1", "65", "0", "8.5", "eight", "-4"])(
    "refuses ROOM_SHARDS=%s naming the range",
    (raw, { expect }) => {
      expect(() => parseSharding({ ROOM_SHARDS: raw })).toThrow(
        new ShardingSettingsError(`ROOM_SHARDS must be an integer from 2 to 64, got "${raw}"`),
      );
    },
  );

  it.for(["a b", "x*y", "**", "room#1", "a".repeat(65)])("refuses the pattern %s", (p, { expect }) => {
    expect(() => parseSharding({ SHARDED_ROOMS: `ok,${p}` })).toThrow(/SHARDED_ROOMS/);
  });
});

describe("isSharded", () => {
  it("matches exact names, prefixes and *", ({ expect }) => {
    const s = parseSharding({ SHARDED_ROOMS: "stage,live-*" });
    expect(isSharded(s, "stage")).toBe(true);
    expect(isSharded(s, "stage2")).toBe(false);
    expect(isSharded(s, "live-")).toBe(true);
    expect(isSharded(s, "live-final")).toBe(true);
    expect(isSharded(s, "lobby")).toBe(false);
    expect(isSharded(parseSharding({ SHARDED_ROOMS: "*" }), "anything")).toBe(true);
    expect(isSharded(parseSharding({}), "anything")).toBe(false);
  });
});

describe("shardOf", () => {
  it("is FNV-1a: known vectors", ({ expect }) => {
    expect(hashUserId("")).toBe(0x811c9dc5);
    expect(hashUserId("a")).toBe(0xe40c292c);
    expect(hashUserId("foobar")).toBe(0xbf9cf968);
  });

  it("is stable and in range", ({ expect }) => {
    for (const n of [2, 8, 64]) {
      for (let i = 0; i < 200; i++) {
        const s = shardOf(`user-${i}`, n);
        expect(s).toBeGreaterThanOrEqual(0);
        expect(s).toBeLessThan(n);
        expect(shardOf(`user-${i}`, n)).toBe(s);
      }
    }
  });

  it("spreads users over every shard, none more than twice its share", ({ expect }) => {
    const counts = new Array<number>(8).fill(0);
    for (let i = 0; i < 8000; i++) counts[shardOf(`u${i}`, 8)] = (counts[shardOf(`u${i}`, 8)] ?? 0) + 1;
    for (const c of counts) {
      expect(c).toBeGreaterThan(500);
      expect(c).toBeLessThan(2000);
    }
  });

  it("hashes UTF-8 bytes, so any user id works", ({ expect }) => {
    expect(shardOf("zoë", 8)).toBe(shardOf("zoë", 8));
    expect(hashUserId("zoë")).not.toBe(hashUserId("zoe"));
  });
});

describe("shardName", () => {
  it("cannot collide with a room name", ({ expect }) => {
    expect(shardName("stage", 3)).toBe("stage#3");
    expect(() => shardName("a#b", 1)).toThrow();
  });
});
