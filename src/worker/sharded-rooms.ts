// Which objects serve a room: its Room, or for a sharded room (docs/sharding.md) its sequencer and shards.

import type { Sequencer } from "../room/sharding/sequencer.ts";
import type { RoomShard } from "../room/sharding/shard.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult } from "../server/room-rpc.ts";
import type { Settings } from "../server/settings.ts";
import { isSharded, SHARD_HEADER, shardName, shardOf } from "../server/sharding.ts";
import type { KickResult, RoomInfo, UserRef } from "../shared/protocol.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";
import { roomStub } from "./rooms.ts";

/** Binding names a sharded room needs; the objects find each other through them. */
export const SEQUENCER_BINDING = "SEQUENCERS";
export const SHARD_BINDING = "SHARDS";

function namespace<T extends Rpc.DurableObjectBranded>(
  c: AppContext,
  name: string,
  className: string,
): DurableObjectNamespace<T> {
  const ns = (c.env as Record<string, unknown>)[name] as DurableObjectNamespace<T> | undefined;
  if (typeof ns?.getByName !== "function") {
    throw new HttpError(
      500,
      "misconfigured",
      `SHARDED_ROOMS needs the Durable Object binding "${name}" (class_name = "${className}") in wrangler.toml`,
    );
  }
  return ns;
}

function sequencer(c: AppContext, room: string): DurableObjectStub<Sequencer> {
  return namespace<Sequencer>(c, SEQUENCER_BINDING, "Sequencer").getByName(room);
}

/** Forwards a verified upgrade: to the room, or to shard `hash(user) mod ROOM_SHARDS` of a sharded room. */
export function forwardUpgrade(
  c: AppContext,
  settings: Settings,
  room: string,
  userId: string,
  target: URL,
  headers: Headers,
): Promise<Response> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).fetch(target, { headers });
  const shard = shardOf(userId, settings.sharding.roomShards);
  headers.set(SHARD_HEADER, JSON.stringify({ room, shard }));
  const ns = namespace<RoomShard>(c, SHARD_BINDING, "RoomShard");
  return ns.getByName(shardName(room, shard)).fetch(target, { headers });
}

/** Room info; a sharded room's adds up its shards. */
export async function roomInfo(c: AppContext, settings: Settings, room: string): Promise<RoomInfo> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).info(room);
  return sequencer(c, room).info(room);
}

/** A server-side publish; a sharded room's sequencer orders it and pushes it to every shard. */
export async function publishTo(
  c: AppContext,
  settings: Settings,
  room: string,
  from: UserRef,
  data: unknown,
  id: string | undefined,
): Promise<HttpPublishResult> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).publish(room, from, data, id);
  return sequencer(c, room).httpPublish(room, from, data, id);
}

/** `GET /rooms/:room/messages`: a sharded room's history is the sequencer's. */
export async function historyOf(
  c: AppContext,
  settings: Settings,
  room: string,
  q: HistoryQuery,
): Promise<HistoryAnswer> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).history(room, q);
  return sequencer(c, room).history(room, q);
}

/** The `403 banned` message while the user is banned from the room, else null. */
export function bannedIn(
  c: AppContext,
  settings: Settings,
  room: string,
  user: string,
): Promise<string | null> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).banned(room, user);
  return sequencer(c, room).banned(room, user);
}

/** Kick (and ban): a sharded room's sequencer stores the ban and closes the user's sockets on their shard. */
export async function kickIn(
  c: AppContext,
  settings: Settings,
  room: string,
  user: string,
  banSeconds: number,
  reason: string | undefined,
): Promise<KickResult> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, room).kick(room, user, banSeconds, reason);
  return sequencer(c, room).kick(room, user, banSeconds, reason);
}
