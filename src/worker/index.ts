// Worker entry of this project: roomcast's own createRoomcast() with the default JWT auth, Room, and the
// sharded rooms' Sequencer and RoomShard; room events from a ROOM_EVENTS queue go to WEBHOOK_URL.

import type { RoomEvent } from "../server/events.ts";
import { webhookConsumer } from "../server/webhook.ts";
import { createRoomcast } from "./create-roomcast.ts";

export { RoomDirectory } from "../room/directory/room-directory.ts";
export { Room } from "../room/room.ts";
export { Sequencer } from "../room/sharding/sequencer.ts";
export { RoomShard } from "../room/sharding/shard.ts";

/** Optional vars of the queue consumer (not in wrangler.toml: set them where a queue is configured). */
interface WebhookVars {
  WEBHOOK_URL?: string;
  WEBHOOK_SECRET?: string;
}

const deliver = webhookConsumer<WebhookVars>({
  url: (env) => env.WEBHOOK_URL,
  secret: (env) => env.WEBHOOK_SECRET,
});
let warnedUnconfigured = false;

/**
 * Only runs when a deployment adds a consumer of the ROOM_EVENTS queue (docs/events.md). Without a
 * webhook configured the events have nowhere to go: ack them (retrying cannot help) and say so once.
 */
async function queue(batch: MessageBatch<RoomEvent>, env: WebhookVars, ctx: ExecutionContext): Promise<void> {
  if (env.WEBHOOK_URL && env.WEBHOOK_SECRET) return deliver(batch, env, ctx);
  if (!warnedUnconfigured) {
    warnedUnconfigured = true;
    console.warn(
      JSON.stringify({
        event: "webhook_unconfigured",
        queue: batch.queue,
        missing: "WEBHOOK_URL or WEBHOOK_SECRET",
      }),
    );
  }
  batch.ackAll();
}

// The Hono app itself stays the default export (tests call `app.request`); the runtime finds `queue` on it.
export default Object.assign(createRoomcast(), { queue }) satisfies ExportedHandler<
  Env & WebhookVars,
  RoomEvent
>;
