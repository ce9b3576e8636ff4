// `roomcast/server`: mount roomcast's routes in your own Worker and export its Durable Object class.

export { defineRoom } from "../room/define-room.ts";
export {
  type JoiningUser,
  type JoinVerdict,
  type PublishedMessage,
  type PublishVerdict,
  type RoomContext,
  type RoomHooks,
  SERVER_USER,
} from "../room/hooks/hooks.ts";
export { Room } from "../room/room.ts";
export { Sequencer } from "../room/sharding/sequencer.ts";
export { RoomShard } from "../room/sharding/shard.ts";
export { createRoomcast } from "../worker/create-roomcast.ts";
export type { Authenticate, RoomcastIdentity, RoomcastOptions } from "../worker/options.ts";
export type { RoomEvent, WebhookBody } from "./events.ts";
export type { RoomcastVars, SettingsVars } from "./settings.ts";
