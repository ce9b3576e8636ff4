// Shared by the sharded-room runtime tests: stubs, users placed on chosen shards, awaited frames.
import { env } from "cloudflare:workers";
import { shardName, shardOf } from "../../../src/server/sharding.ts";
import type { MessageFrame } from "../../../src/shared/protocol.ts";
import { join, type TestSocket, token } from "../../helpers/runtime.ts";

/** ROOM_SHARDS in vitest.config.ts (rooms named shard-… are sharded). */
export const SHARDS = 4;

export function shardStub(room: string, k: number) {
  return env.SHARDS.getByName(shardName(room, k));
}

export function sequencerStub(room: string) {
  return env.SEQUENCERS.getByName(room);
}

/** One user id per shard (u0 → shard 0 …), found by the same hash the worker uses. */
export function usersOnEveryShard(prefix: string): string[] {
  const out: string[] = [];
  for (let k = 0; k < SHARDS; k++) {
    for (let i = 0; ; i++) {
      const id = `${prefix}${i}`;
      if (shardOf(id, SHARDS) === k) {
        out.push(id);
        break;
      }
    }
  }
  return out;
}

/** The next `n` message frames, skipping presence counts; rejects after `ms`. */
export async function messages(s: TestSocket, n: number, ms = 5000): Promise<MessageFrame[]> {
  const out: MessageFrame[] = [];
  const deadline = Date.now() + ms;
  while (out.length < n) {
    const f = await s.next(Math.max(1, deadline - Date.now()));
    if (f.type === "message") out.push(f);
    else if (f.type !== "presence" && f.type !== "ack") throw new Error(`unexpected ${JSON.stringify(f)}`);
  }
  return out;
}

/** The next ack, skipping presence counts; a publisher never gets its own message, so any is kept. */
export async function ack(
  s: TestSocket,
  skipped: MessageFrame[] = [],
): Promise<{ seq: number; id: string | null; duplicate?: true }> {
  for (;;) {
    const f = await s.next();
    if (f.type === "ack") return f;
    if (f.type === "message") skipped.push(f);
    else if (f.type !== "presence") throw new Error(`unexpected ${JSON.stringify(f)}`);
  }
}

export async function joinAll(room: string, users: string[]) {
  return Promise.all(users.map(async (sub) => join(room, { token: await token({ sub }) })));
}

/** `n` user ids that all land on shard `k`. */
export function usersOnShard(prefix: string, k: number, n: number): string[] {
  const out: string[] = [];
  for (let i = 0; out.length < n; i++) if (shardOf(`${prefix}${i}`, SHARDS) === k) out.push(`${prefix}${i}`);
  return out;
}
