// What the worker tells the room about a verified client: carried in one internal header on the
// forwarded upgrade. The worker strips any client-sent copy, so the room can trust it.
import type { Capability } from "../shared/protocol.ts";

export const IDENTITY_HEADER = "x-roomcast-identity";

export interface Identity {
  room: string;
  id: string;
  name: string | null;
  capabilities: Capability[];
  /** Token expiry, seconds since the epoch (the JWT `exp`). */
  exp: number;
  /** "custom": the worker's own `authenticate()` admitted this client, not a roomcast JWT. */
  auth?: "custom";
}
