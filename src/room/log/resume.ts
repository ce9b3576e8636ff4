// Decides what a resuming client gets: which messages to replay and whether it missed some for good. Pure:
// the history's bounds are asked for only when a resume needs them (a plain connect costs no query).
import type { HistoryBounds } from "./history.ts";

/** `?since=&epoch=` (resume), or `?rewind=N` (a fresh client asking for the last N messages). */
export type ResumeRequest = { since: number; epoch: string } | { rewind: number };

/** The resume request in the URL the worker forwarded (already validated there), or null. */
export function resumeRequestOf(url: URL): ResumeRequest | null {
  const since = url.searchParams.get("since");
  if (since !== null) return { since: Number(since), epoch: url.searchParams.get("epoch") ?? "" };
  const rewind = url.searchParams.get("rewind");
  return rewind !== null ? { rewind: Number(rewind) } : null;
}

export interface ResumePlan {
  /** Replay retained messages with seq > replayAfter; null = replay nothing. */
  replayAfter: number | null;
  gap: boolean;
}

export function planResume(
  req: ResumeRequest | null,
  epoch: string,
  seq: number,
  bounds: () => HistoryBounds,
): ResumePlan {
  if (req === null) return { replayAfter: null, gap: false };
  // A fresh client missed nothing: whatever of the last N is retained is replayed, never a gap.
  if ("rewind" in req)
    return { replayAfter: req.rewind > 0 && seq > 0 ? Math.max(0, seq - req.rewind) : null, gap: false };
  if (req.epoch !== epoch || req.since > seq) return { replayAfter: null, gap: true };
  if (req.since === seq) return { replayAfter: null, gap: false };
  // Messages since+1 … seq were published; the ones before the oldest retained are gone.
  const oldest = bounds().oldest;
  const gap = oldest === null || oldest > req.since + 1;
  return { replayAfter: req.since, gap };
}
