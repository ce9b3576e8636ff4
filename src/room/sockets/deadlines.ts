// When a socket must be closed: idle past the timeout (4408) or token expired (4401). Pure.
import { CloseCode } from "../../shared/protocol.ts";

export interface Liveness {
  /** ms of the last frame from the client (including auto-answered pings) */
  lastActive: number;
  /** token expiry in ms */
  expiresAt: number;
}

export interface CloseDecision {
  code: number;
  reason: string;
}

/** The close a socket is due for at `now`, or null; expiry wins over idleness. */
export function dueForClose(s: Liveness, now: number, idleMs: number): CloseDecision | null {
  if (now >= s.expiresAt) return { code: CloseCode.TOKEN_EXPIRED, reason: "token expired" };
  if (now >= s.lastActive + idleMs) return { code: CloseCode.IDLE, reason: "idle timeout" };
  return null;
}

/** The earliest moment this socket could become due. */
export function nextDeadline(s: Liveness, idleMs: number): number {
  return Math.min(s.expiresAt, s.lastActive + idleMs);
}
