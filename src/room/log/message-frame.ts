// The `message` frame text, built once per publish and then stored, sent, pushed and replayed unchanged.
// One builder for the room and the sharded sequencer, with the contract's rendered-size rule.
import { type MessageFrame, RENDER_ALLOWANCE, type UserRef } from "../../shared/protocol.ts";
import { utf8Exceeds } from "../../shared/utf8.ts";

export interface MessageFields {
  seq: number;
  from: UserRef;
  data: unknown;
  /** the publisher's idempotency key, if any */
  id: string | undefined;
  ts: number;
}

export type Rendered = { frame: string } | { refused: "too_large"; message: string };

/** The frame text, `{"type":"message","seq",["id"],"from","data","ts"}`. */
export function buildMessage({ seq, from, data, id, ts }: MessageFields): string {
  const msg: MessageFrame = { type: "message", seq, ...(id !== undefined ? { id } : {}), from, data, ts };
  return JSON.stringify(msg);
}

/**
 * The frame the server builds is what is stored and sent, so its size is what counts: a frame larger
 * than MAX_MESSAGE_BYTES + RENDER_ALLOWANCE is refused `too_large` (and takes no seq).
 */
export function renderMessage(fields: MessageFields, maxMessageBytes: number): Rendered {
  const frame = buildMessage(fields);
  const max = maxMessageBytes + RENDER_ALLOWANCE;
  if (utf8Exceeds(frame, max)) {
    return { refused: "too_large", message: `message frame would be larger than ${max} bytes` };
  }
  return { frame };
}
