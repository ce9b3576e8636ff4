// The room's frame-size limit, checked before sending so the server never closes a socket with 1009.
import type { PublishFrame } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

/** The publish frame for `data` exactly as it is sent. */
export function publishText(data: unknown, id: string): string {
  const frame: PublishFrame = { type: "publish", data, id };
  return JSON.stringify(frame);
}

/**
 * A `too_big` error when a frame of `bytes` is over the room's `max` (null while the room's limits are
 * not known yet); null when it fits.
 */
export function sizeError(
  what: string,
  bytes: number,
  max: number | null,
  id?: string,
): RoomcastError | null {
  if (max === null || bytes <= max) return null;
  return new RoomcastError("too_big", `${what} is ${bytes} bytes, the room allows ${max}`, { id });
}
