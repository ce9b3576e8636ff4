// A connection's replay (resume or rewind) within the MAX_REPLAY_BYTES budget, and the HTTP history page.
//
// Why: replaying a whole history inside one `fetch` could queue hundreds of MB for one connection.
// Replay sends at most the budget, oldest first, and tells the client where to continue over HTTP.
import type { HistoryAnswer, HistoryQuery } from "../../server/room-rpc.ts";
import type { History, HistoryBounds } from "./history.ts";

export interface ReplayResult {
  replayed: number;
  /** Retained messages were left out: the client fetches `next…seq` over HTTP history. */
  more: boolean;
  /** The first seq not replayed (with `more`). */
  next?: number;
}

/** A replay collected for another object to send (the sharded sequencer answers a shard with it). */
export interface ReplayPage {
  /** stored `message` frames, oldest first, with consecutive seqs ending at `last` */
  frames: string[];
  /** UTF-8 bytes of `frames` */
  bytes: number;
  last: number | null;
  /** the budget ran out before the newest retained message */
  more: boolean;
}

interface Walked extends ReplayPage {
  replayed: number;
}

/** The replay loop: slices of retained frames after `after`, within `maxBytes`, through `send`. */
function walk(
  history: History,
  after: number,
  maxBytes: number,
  atLeastOne: boolean,
  send: (frames: string[]) => void,
): Omit<Walked, "frames"> {
  let cursor = after;
  let budget = maxBytes;
  let replayed = 0;
  let last: number | null = null;
  for (;;) {
    const s = history.slice(
      { after: cursor },
      Number.POSITIVE_INFINITY,
      budget,
      atLeastOne && replayed === 0,
    );
    if (s.frames.length > 0) send(s.frames);
    replayed += s.frames.length;
    budget -= s.bytes;
    if (s.last !== null) cursor = last = s.last;
    const more = s.more && (s.full || s.frames.length === 0);
    if (!s.more || more) return { replayed, bytes: maxBytes - budget, last, more };
  }
}

/**
 * Sends retained frames with seq > after through `send` (a chunk at a time, oldest first), at most
 * `maxBytes` of them (at least one).
 */
export function replay(
  history: History,
  after: number,
  maxBytes: number,
  send: (frames: string[]) => void,
): ReplayResult {
  const w = walk(history, after, maxBytes, true, send);
  return w.more
    ? { replayed: w.replayed, more: true, next: (w.last ?? after) + 1 }
    : { replayed: w.replayed, more: false };
}

/**
 * The same replay, collected: at most `maxBytes` of frames after `after` (the first one even if it is
 * larger, when `atLeastOne`). Retained seqs are consecutive, so frame i has seq `last - length + 1 + i`.
 */
export function collectReplay(
  history: History,
  after: number,
  maxBytes: number,
  atLeastOne = true,
): ReplayPage {
  const frames: string[] = [];
  const w = walk(history, after, maxBytes, atLeastOne, (f) => frames.push(...f));
  return { frames, bytes: w.bytes, last: w.last, more: w.more };
}

/**
 * One page of history as the JSON body text (the stored frames are spliced in as they are, never
 * parsed again). `gap`: after `after`, messages were trimmed before they could be read; before
 * `before` (or for the newest page), the page reached the oldest retained message but older ones
 * had existed.
 */
export function historyPage(
  history: History,
  room: string,
  q: HistoryQuery,
  maxBytes: number,
): HistoryAnswer {
  if (q.epoch !== undefined && q.epoch !== history.epoch) {
    return {
      ok: false,
      status: 409,
      code: "epoch_mismatch",
      message: `epoch ${q.epoch} is not the room's current epoch (${history.epoch}): its history was reset`,
    };
  }
  const seq = history.seq;
  const b = history.bounds();
  let page: ReturnType<History["slice"]>;
  let gap: boolean;
  if ("after" in q) {
    page = history.slice({ after: q.after }, q.limit, maxBytes);
    gap = afterGap(q.after, seq, b);
  } else {
    const before = "before" in q ? Math.min(q.before, seq + 1) : seq + 1;
    page = history.slice({ before }, q.limit, maxBytes);
    gap = !page.more && (page.last ?? before) > 1;
  }
  const body = `{"room":${JSON.stringify(room)},"epoch":${JSON.stringify(history.epoch)},"seq":${seq},"messages":[${page.frames.join(",")}],"more":${page.more},"gap":${gap}}`;
  return { ok: true, body };
}

/** Like a resume's gap: messages right after `after` can no longer be read. */
function afterGap(after: number, seq: number, b: HistoryBounds): boolean {
  if (after > seq) return true;
  if (after === seq) return false;
  return b.oldest === null || b.oldest > after + 1;
}
