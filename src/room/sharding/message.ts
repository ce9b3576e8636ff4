// The `message` frame text, built once and stored, pushed and replayed unchanged.
import type { MessageFrame, UserRef } from "../../shared/protocol.ts";

export function buildMessage(
  seq: number,
  from: UserRef,
  data: unknown,
  id: string | undefined,
  ts: number,
): string {
  const msg: MessageFrame = { type: "message", seq, ...(id !== undefined ? { id } : {}), from, data, ts };
  return JSON.stringify(msg);
}
