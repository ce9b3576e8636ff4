// Coalesced join/leave for `?batch=1` sockets: one `diff` frame per interval instead of a frame per user.
//
// Why: with per-user frames, a reconnect storm of n users sends n²/2 `join` frames (and a mass close
// n²/2 `leave` frames): closing 2,000 sockets in one room cost the runtime about 35 ms of CPU per close.
// Batch sockets get the changes of up to PRESENCE_DIFF_INTERVAL_MS in one frame, netted per user (a
// user who left and came back within it is not mentioned). The first change after a quiet interval goes
// out at once. Plain sockets keep their per-user frames, unchanged.
//
// Each batch socket gets only the changes after its `welcome` (whose member list already has the
// earlier ones): `seen(ws)` marks where it starts.
import type { UserRef } from "../../shared/protocol.ts";
import type { CountClock } from "./presence-count.ts";
import { Throttle } from "./throttle.ts";

export const PRESENCE_DIFF_INTERVAL_MS = 500;

export interface Change {
  /** 1, 2, 3…: the room's presence version after this change */
  v: number;
  event: "join" | "leave";
  user: UserRef;
}

export interface DiffTargets {
  /** the batch sockets now open */
  sockets(): Iterable<WebSocket>;
  /** distinct users now */
  members(): number;
  send(ws: WebSocket, text: string): void;
}

export class PresenceDiffs {
  readonly #targets: DiffTargets;
  #pending: Change[] = [];
  #version = 0;
  readonly #since = new WeakMap<WebSocket, number>();
  readonly #throttle: Throttle;

  constructor(targets: DiffTargets, clock: CountClock) {
    this.#targets = targets;
    this.#throttle = new Throttle(PRESENCE_DIFF_INTERVAL_MS, clock, () => this.flush());
  }

  /** The socket's welcome listed the members as of now: it gets only later changes. */
  seen(ws: WebSocket): void {
    this.#since.set(ws, this.#version);
  }

  /**
   * A user's first socket opened or last one closed; `origin` is that socket, which is not told about
   * its own join.
   */
  record(event: "join" | "leave", user: UserRef, origin: WebSocket): void {
    this.#pending.push({ v: ++this.#version, event, user });
    if (this.#since.has(origin)) this.#since.set(origin, this.#version);
    this.#throttle.request();
  }

  /** Sends what is pending now: before a frame that must not overtake it (an `update`). */
  flush(): void {
    const changes = this.#pending;
    if (changes.length === 0) return;
    this.#pending = [];
    this.#throttle.ran();
    const first = (changes[0] as Change).v;
    const members = this.#targets.members();
    // Sockets that were there before the first change all get the same text; a socket that joined
    // part-way gets the changes after its welcome. In a storm nearly every socket starts somewhere
    // else, so the texts share one pass over the changes (each user serialised once).
    const net = new NetChanges(changes, members);
    const texts = new Map<number, string | null>();
    for (const ws of this.#targets.sockets()) {
      const from = Math.max(0, (this.#since.get(ws) ?? 0) - first + 1);
      if (from >= changes.length) continue;
      let text = texts.get(from);
      if (text === undefined) {
        text = net.textFrom(from);
        texts.set(from, text);
      }
      if (text !== null) this.#targets.send(ws, text);
    }
  }

  /** The room went over PRESENCE_LIMIT: count frames take over, pending per-user changes are moot. */
  clear(): void {
    this.#pending = [];
  }
}

/**
 * The net change per user over a tail of `changes` (from some index to the end), as the `diff` frame's
 * text. A user whose first and last event in the tail differ is back where they started; the others
 * are listed as their last event says, in the order of their first event.
 */
class NetChanges {
  readonly #changes: readonly Change[];
  readonly #members: number;
  /** per change: the index of the same user's previous change, or -1 */
  readonly #previous: Int32Array;
  /** per change: the index of the same user's last change */
  readonly #last: Int32Array;
  readonly #json: (string | undefined)[] = [];

  constructor(changes: readonly Change[], members: number) {
    this.#changes = changes;
    this.#members = members;
    const n = changes.length;
    this.#previous = new Int32Array(n);
    this.#last = new Int32Array(n);
    const lastOf = new Map<string, number>();
    for (let i = 0; i < n; i++) {
      const id = (changes[i] as Change).user.id;
      this.#previous[i] = lastOf.get(id) ?? -1;
      lastOf.set(id, i);
    }
    for (let i = 0; i < n; i++) this.#last[i] = lastOf.get((changes[i] as Change).user.id) as number;
  }

  /** The `diff` frame for the changes from index `from` on, or null when nobody changed over them. */
  textFrom(from: number): string | null {
    const joins: string[] = [];
    const leaves: string[] = [];
    for (let i = from; i < this.#changes.length; i++) {
      // A user is looked at once, at their first change in this tail.
      if ((this.#previous[i] as number) >= from) continue;
      const last = this.#last[i] as number;
      const event = (this.#changes[last] as Change).event;
      if ((this.#changes[i] as Change).event !== event) continue; // back where they started
      const json = this.#json[last] ?? JSON.stringify((this.#changes[last] as Change).user);
      this.#json[last] = json;
      (event === "join" ? joins : leaves).push(json);
    }
    if (joins.length === 0 && leaves.length === 0) return null;
    return `{"type":"presence","event":"diff","joins":[${joins.join(",")}],"leaves":[${leaves.join(",")}],"members":${this.#members}}`;
  }
}

/**
 * The `diff` frame for `changes` from index `from` on, or null when nobody changed over them (a flush
 * builds all its tails from one NetChanges instead).
 */
export function diffText(changes: readonly Change[], members: number, from = 0): string | null {
  return new NetChanges(changes, members).textFrom(from);
}
