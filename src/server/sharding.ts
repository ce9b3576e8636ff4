// Which rooms are sharded, how many connection shards they get, and which shard serves a user. Pure.
//
// Shared by the worker (it routes each upgrade) and the shards (they find the shard of a `direct`'s
// target), so both compute the same answer from the same [vars].
import { ROOM_NAME } from "../shared/protocol.ts";

export interface ShardingSettings {
  /** Room patterns (exact name, prefix ending in `*`, or `*`) served by a sequencer plus shards. */
  shardedRooms: string[];
  /** Connection shards per sharded room. */
  roomShards: number;
}

export interface ShardingVars {
  SHARDED_ROOMS?: string;
  ROOM_SHARDS?: string;
}

/** Header on an upgrade the worker forwards to a shard: `{"room","shard"}` as JSON. */
export const SHARD_HEADER = "x-roomcast-shard";

export const SHARDING_DEFAULTS = { roomShards: 8 } as const;

/** One object holds at most 32,768 sockets; 64 shards is about two million, and fan-out stays cheap. */
export const ROOM_SHARDS_RANGE = [2, 64] as const;

/** Thrown for a bad SHARDED_ROOMS or ROOM_SHARDS; the worker answers 500 misconfigured. */
export class ShardingSettingsError extends Error {
  override name = "ShardingSettingsError";
}

const PATTERN = /^(?:[A-Za-z0-9._-]{1,64}|[A-Za-z0-9._-]{0,63}\*)$/;

/** Parses SHARDED_ROOMS and ROOM_SHARDS; throws ShardingSettingsError naming the bad value. */
export function parseSharding(vars: ShardingVars): ShardingSettings {
  const shardedRooms = (vars.SHARDED_ROOMS ?? "")
    .split(",")
    .map((p) => p.trim())
    .filter((p) => p !== "");
  for (const p of shardedRooms) {
    if (!PATTERN.test(p)) {
      throw new ShardingSettingsError(
        `SHARDED_ROOMS entries must be room names, prefixes ending in "*", or "*"; got "${p}"`,
      );
    }
  }
  const raw = vars.ROOM_SHARDS;
  let roomShards: number = SHARDING_DEFAULTS.roomShards;
  if (raw !== undefined && raw.trim() !== "") {
    const n = Number(raw);
    const [min, max] = ROOM_SHARDS_RANGE;
    if (!Number.isInteger(n) || n < min || n > max) {
      throw new ShardingSettingsError(`ROOM_SHARDS must be an integer from ${min} to ${max}, got "${raw}"`);
    }
    roomShards = n;
  }
  return { shardedRooms, roomShards };
}

/** True when `pattern` (exact name, prefix ending in `*`, or `*`) covers `room`, as in token grants. */
export function patternCovers(pattern: string, room: string): boolean {
  if (pattern.endsWith("*")) return room.startsWith(pattern.slice(0, -1));
  return pattern === room;
}

/** True when the room is served by a sequencer and connection shards. */
export function isSharded(s: ShardingSettings, room: string): boolean {
  return s.shardedRooms.some((p) => patternCovers(p, room));
}

/**
 * FNV-1a (32 bit) over the UTF-8 bytes: stable across isolates, deploys and runtimes (unlike anything
 * seeded), cheap, and spreads short ids well enough for a modulus of at most 64.
 */
export function hashUserId(id: string): number {
  let h = 0x811c9dc5;
  for (const b of new TextEncoder().encode(id)) {
    h ^= b;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** The shard that holds every socket of this user: `hash(user id) mod shards`. */
export function shardOf(userId: string, shards: number): number {
  return hashUserId(userId) % shards;
}

/**
 * Object names: the sequencer and the shards live in their own namespaces, named after the room.
 * `#` never appears in a room name, so a shard's name cannot collide with a room's.
 */
export function shardName(room: string, shard: number): string {
  if (!ROOM_NAME.test(room)) throw new Error(`not a room name: ${room}`);
  return `${room}#${shard}`;
}
