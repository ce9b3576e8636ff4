// Room events sent to a Cloudflare Queue (the optional ROOM_EVENTS producer binding), and the body a
// webhook receives: shapes only (docs/events.md).
import type { UserRef } from "../shared/protocol.ts";

/** One thing that happened in a room. Delivery is at least once: `(room, seq)` identifies a message. */
export type RoomEvent =
  /** a committed message (socket or HTTP publish, or the server's own `ctx.publish`) */
  | { room: string; type: "message"; seq: number; user: UserRef; data: unknown; id?: string; ts: number }
  /** a user's first socket in the room opened */
  | { room: string; type: "join"; user: UserRef; ts: number }
  /** a user's last socket in the room closed */
  | { room: string; type: "leave"; user: UserRef; ts: number }
  /** a user was kicked (and banned for `banSeconds` > 0) */
  | {
      room: string;
      type: "kick";
      user: UserRef;
      data: { banSeconds: number; reason: string | null };
      ts: number;
    };

/** The producer binding's name in wrangler.toml (`[[queues.producers]] binding = "ROOM_EVENTS"`). */
export const EVENTS_BINDING = "ROOM_EVENTS";

/** A webhook POST's JSON body: one queue batch's events, oldest first per room. */
export interface WebhookBody {
  events: RoomEvent[];
}

/**
 * The signature header of a webhook POST: `t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<body>")>`
 * (Stripe's scheme): a receiver recomputes it over the raw body and rejects old timestamps.
 */
export const SIGNATURE_HEADER = "Roomcast-Signature";
