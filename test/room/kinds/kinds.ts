// The two kinds of room every socket-level behaviour is tested on: a plain Room, and a sharded room
// (rooms named shard-… are sharded over 4 shards in vitest.config.ts), whose sockets live on shards.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import type { SocketObject } from "../../../src/room/sockets/socket-object.ts";
import { writeState } from "../../../src/room/sockets/socket-state.ts";
import type { RoomcastVars } from "../../../src/server/settings.ts";
import { shardName, shardOf } from "../../../src/server/sharding.ts";
import type { TestSocket } from "../../helpers/runtime.ts";

const SHARDS = 4;

export interface RoomKind {
  kind: "plain" | "sharded";
  /** a fresh room of this kind; `hooked`: one whose classes run the test hooks */
  room(hooked?: boolean): string;
  /** the object that holds `user`'s sockets (for alarms and aged state) */
  host(room: string, user: string): DurableObjectStub<SocketObject<RoomcastVars>>;
}

export const KINDS: RoomKind[] = [
  {
    kind: "plain",
    room: (hooked) => `${hooked ? "hook-" : ""}room-${crypto.randomUUID()}`,
    host: (room) => env.ROOMS.getByName(room) as unknown as DurableObjectStub<SocketObject<RoomcastVars>>,
  },
  {
    kind: "sharded",
    room: (hooked) => `shard-${hooked ? "hook-" : ""}${crypto.randomUUID()}`,
    host: (room, user) =>
      env.SHARDS.getByName(shardName(room, shardOf(user, SHARDS))) as unknown as DurableObjectStub<
        SocketObject<RoomcastVars>
      >,
  },
];

/** Moves one user's `seen` or `exp` `byMs` into the past, in memory and in the attachment. */
export async function ageUser(k: RoomKind, room: string, user: string, field: "seen" | "exp", byMs: number) {
  await runInDurableObject(k.host(room, user), (o: SocketObject<RoomcastVars>) => {
    for (const [ws, s] of o.liveSockets()) {
      if (s.userId !== user) continue;
      s[field] -= byMs;
      writeState(ws, s);
    }
  });
}

/** The next frame of `type`, skipping presence frames (a sharded room sends counts, a plain one joins). */
export async function nextOf<T extends string>(s: TestSocket, type: T, ms = 5000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const f = await s.next(Math.max(1, deadline - Date.now()));
    if (f.type === type) return f as Extract<typeof f, { type: T }>;
    if (f.type !== "presence") throw new Error(`expected ${type}, got ${JSON.stringify(f)}`);
  }
}
