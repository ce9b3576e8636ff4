// Which objects serve a room: its Room, or for a sharded room (docs/sharding.md) its sequencer and shards.
// Picked once per request: every route then speaks to the room through the one `RoomBackend` interface.
import type { Sequencer } from "../room/sharding/sequencer.ts";
import type { RoomShard } from "../room/sharding/shard.ts";
import { placedStub, placementFor } from "../server/placement.ts";
import type { RoomBackend } from "../server/room-rpc.ts";
import type { Settings } from "../server/settings.ts";
import { isSharded, SHARD_HEADER, shardName, shardOf } from "../server/sharding.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";
import { roomStub } from "./rooms.ts";

/** Binding names a sharded room needs; the objects find each other through them. */
export const SEQUENCER_BINDING = "SEQUENCERS";
export const SHARD_BINDING = "SHARDS";

/** A room's backend as the worker calls it over RPC: every method answers asynchronously. */
export type RoomBackendStub = {
  [K in keyof RoomBackend]: (
    ...args: Parameters<RoomBackend[K]>
  ) => Promise<Awaited<ReturnType<RoomBackend[K]>>>;
};

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

/** The object that answers a room's HTTP routes: its Room, or a sharded room's Sequencer. */
export function backendFor(c: AppContext, settings: Settings, room: string): RoomBackendStub {
  if (!isSharded(settings.sharding, room)) return roomStub(c, settings, room);
  const ns = namespace<Sequencer>(c, SEQUENCER_BINDING, "Sequencer");
  return placedStub(ns, room, placementFor(settings.placement, room));
}

/**
 * The room's other deployment (its Sequencer for a plain room, its Room for a sharded one), where bans
 * are mirrored so they survive a change of SHARDED_ROOMS; null when sharded rooms are not configured.
 */
export function mirrorFor(c: AppContext, settings: Settings, room: string): RoomBackendStub | null {
  if (isSharded(settings.sharding, room)) return roomStub(c, settings, room);
  const ns = (c.env as Record<string, unknown>)[SEQUENCER_BINDING] as
    | DurableObjectNamespace<Sequencer>
    | undefined;
  return typeof ns?.getByName === "function"
    ? placedStub(ns, room, placementFor(settings.placement, room))
    : null;
}

/** Forwards a verified upgrade: to the room, or to shard `hash(user) mod ROOM_SHARDS` of a sharded room. */
export function forwardUpgrade(
  c: AppContext,
  settings: Settings,
  room: string,
  userId: string,
  target: URL,
  headers: Record<string, string>,
): Promise<Response> {
  if (!isSharded(settings.sharding, room)) return roomStub(c, settings, room).fetch(target, { headers });
  const shard = shardOf(userId, settings.sharding.roomShards);
  const ns = namespace<RoomShard>(c, SHARD_BINDING, "RoomShard");
  return placedStub(ns, shardName(room, shard), placementFor(settings.placement, room)).fetch(target, {
    headers: { ...headers, [SHARD_HEADER]: JSON.stringify({ room, shard }) },
  });
}
