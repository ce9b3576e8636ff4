// What happens to a client frame before any handler: pure decisions on the socket's state and `now`.
//
// Order matters for cost: expiry and size first, then the frame's bucket, and only then is the frame
// parsed. Signals have their own bucket (cursors and typing may be chattier than publishes), told apart
// by a substring test, never by parsing: a flood of them is refused before its body is read, and their
// refusals count toward the same streak that closes a flooding socket with 4429.
import type { Settings } from "../../../server/settings.ts";
import { CloseCode, type FrameErrorCode } from "../../../shared/protocol.ts";
import { utf8Exceeds } from "../../../shared/utf8.ts";
import type { SocketState } from "../socket-state.ts";
import { floodLimitExceeded, nextStreak, take } from "./rate-limit.ts";
import type { SignalLimiter } from "./signals.ts";

export type GateVerdict =
  | { close: number; reason: string }
  | { error: FrameErrorCode; message: string }
  /** refused without a word: the sender was told within the last second */
  | { drop: true }
  | { pass: true };

/** A text frame that may be a signal (a publish whose data says so is parsed and charged again). */
export function maybeSignal(message: string | ArrayBuffer): message is string {
  return typeof message === "string" && message.includes('"signal"');
}

/** Expiry (4401) and size (1009): every frame, before anything else. */
export function admissible(
  state: SocketState,
  message: string | ArrayBuffer,
  now: number,
  s: Settings,
): GateVerdict {
  // Expiry on every frame: the alarm is only the backstop for silent sockets.
  if (now >= state.exp) return { close: CloseCode.TOKEN_EXPIRED, reason: "token expired" };
  const max = s.maxMessageBytes;
  if (typeof message === "string" ? utf8Exceeds(message, max) : message.byteLength > max) {
    return { close: CloseCode.TOO_BIG, reason: `frame larger than ${max} bytes` };
  }
  return { pass: true };
}

/** Charges the main bucket: `rate_limited` over it, 4429 after more than 2× rate refusals in a row. */
export function chargeFrame(state: SocketState, now: number, rate: number): GateVerdict {
  const taken = take({ tokens: state.tokens, at: state.refilledAt }, now, rate);
  state.tokens = taken.bucket.tokens;
  state.refilledAt = taken.bucket.at;
  state.refused = nextStreak(state.refused, taken.ok, taken.bucket);
  if (taken.ok) return { pass: true };
  if (floodLimitExceeded(state.refused, rate)) {
    return { close: CloseCode.FLOODING, reason: "too many frames after rate_limited errors" };
  }
  return { error: "rate_limited", message: `more than ${rate} frames per second (burst ${2 * rate})` };
}

/** Charges the signal bucket, before the frame is parsed; a refusal counts toward the 4429 streak. */
export function chargeSignal(
  state: SocketState,
  now: number,
  signals: SignalLimiter,
  rate: number,
): GateVerdict {
  const verdict = signals.admit(state.connectionId, now);
  if (verdict.relay) {
    if (verdict.tokens >= 1) state.refused = 0;
    return { pass: true };
  }
  state.refused++;
  if (floodLimitExceeded(state.refused, rate)) {
    return { close: CloseCode.FLOODING, reason: "too many signals after rate_limited errors" };
  }
  if (!verdict.tell) return { drop: true };
  return {
    error: "rate_limited",
    message: `more than ${rate} signals per second (burst ${2 * rate}): dropped`,
  };
}
