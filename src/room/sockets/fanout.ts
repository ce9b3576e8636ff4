// Coalesced delivery (`?batch=1`): the messages of one storage commit, and of a replay, reach sockets
// that opted in as `batch` frames, each serialised once; other sockets get every `message` frame alone.
//
// Never a timer: a commit's messages are written in one synchronous turn (group commit), and the outbox
// delivers them in a microtask at the end of that turn, before the publishers' acks go out.
import { trySend } from "./socket-io.ts";

/** The tag (`ctx.acceptWebSocket(ws, tags)`) of sockets that connected with `?batch=1`. */
export const BATCH_TAG = "batch";

/** A batch frame holds messages up to about this many characters; a bigger message goes alone. */
export const BATCH_MAX_CHARS = 1 << 20;

/** True when the upgrade URL the worker forwarded asks for coalesced delivery. */
export function batchRequested(url: URL): boolean {
  return url.searchParams.get("batch") === "1";
}

/**
 * Wire frames for consecutive `message` frame texts (in seq order): `{"type":"batch","messages":[…]}`
 * holding each message exactly as it would be sent alone, split to stay under `maxChars`; a group of
 * one goes as the plain `message` frame.
 */
export function* packFrames(messages: Iterable<string>, maxChars = BATCH_MAX_CHARS): Generator<string> {
  let group: string[] = [];
  let size = 0;
  const pack = () =>
    group.length === 1 ? (group[0] as string) : `{"type":"batch","messages":[${group.join(",")}]}`;
  for (const m of messages) {
    if (group.length > 0 && size + m.length + 1 > maxChars) {
      yield pack();
      group = [];
      size = 0;
    }
    group.push(m);
    size += m.length + 1;
  }
  if (group.length > 0) yield pack();
}

/** Sends a replay (stored `message` frames, oldest first) to one socket; returns how many messages. */
export function sendReplay(ws: WebSocket, frames: Iterable<string>, batched: boolean): number {
  let count = 0;
  const counted = (function* () {
    for (const f of frames) {
      count++;
      yield f;
    }
  })();
  for (const frame of batched ? packFrames(counted) : counted) trySend(ws, frame);
  return count;
}

/** One message of a commit and the socket that must not get it (its publisher, who gets an ack). */
export interface Outgoing {
  frame: string;
  except: WebSocket | null;
}

/**
 * Delivers one commit's messages: plain sockets get each frame; batched ones get the packed frames,
 * built once for everyone who published none of them and per socket for the (few) publishers.
 * `batched` (the opted-in sockets) is only asked for when there is more than one message.
 */
export function deliverCommit(
  sockets: Iterable<WebSocket>,
  batched: () => ReadonlySet<WebSocket>,
  messages: readonly Outgoing[],
  send: (ws: WebSocket, frame: string) => void,
): void {
  const publishers = new Set<WebSocket | null>(messages.map((m) => m.except));
  let packed: string[] | null = null;
  const optedIn = messages.length > 1 ? batched() : new Set<WebSocket>();
  for (const ws of sockets) {
    if (ws.readyState !== WebSocket.OPEN) continue;
    if (!optedIn.has(ws)) {
      for (const m of messages) if (m.except !== ws) send(ws, m.frame);
    } else if (publishers.has(ws)) {
      for (const f of packFrames(messages.filter((m) => m.except !== ws).map((m) => m.frame))) send(ws, f);
    } else {
      packed ??= [...packFrames(messages.map((m) => m.frame))];
      for (const f of packed) send(ws, f);
    }
  }
}

/**
 * Collects the messages written in one turn and hands them to `deliver` together in a microtask, in
 * the order they were written.
 */
export class CommitOutbox {
  readonly #deliver: (messages: Outgoing[]) => void;
  #pending: Outgoing[] = [];

  constructor(deliver: (messages: Outgoing[]) => void) {
    this.#deliver = deliver;
  }

  add(frame: string, except: WebSocket | null): void {
    if (this.#pending.push({ frame, except }) > 1) return;
    queueMicrotask(() => {
      const messages = this.#pending;
      this.#pending = [];
      this.#deliver(messages);
    });
  }
}
