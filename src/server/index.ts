// `roomcast/server`: mount roomcast's routes in your own Worker and export its Durable Object class.

export { defineRoom } from "../room/define-room.ts";
export { RoomDirectory } from "../room/directory/room-directory.ts";
export {
  type HookResult,
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
export {
  signWebhook,
  type VerifyWebhookOptions,
  verifyWebhook,
  type WebhookRefusal,
  type WebhookVerification,
} from "../shared/webhook-signature.ts";
export { createRoomcast } from "../worker/create-roomcast.ts";
export type { Authenticate, RoomcastIdentity, RoomcastOptions } from "../worker/options.ts";
export {
  EVENTS_BINDING,
  type RoomEvent,
  SIGNATURE_HEADER,
  type WebhookBody,
} from "./events.ts";
export type { RoomcastVars, SettingsVars } from "./settings.ts";
export {
  type FromEnv,
  retryDelaySeconds,
  WebhookConfigError,
  type WebhookConsumerOptions,
  type WebhookQueueHandler,
  webhookConsumer,
} from "./webhook.ts";
