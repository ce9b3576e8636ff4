// A room's presence frames: per-user join/leave/update up to PRESENCE_LIMIT users (coalesced into
// diffs for batch sockets), a throttled count above it.
//
// Why its own module: the room only says what happened (a user's first socket opened, their last one
// closed, their state changed); which frame that becomes, for whom and when is decided here, with the
// count throttle (presence-count.ts) and the diffs (presence-diff.ts).
import type { PresenceFrame, UserRef } from "../../shared/protocol.ts";
import type { SocketIndex } from "../sockets/socket-index.ts";
import { trySend } from "../sockets/socket-io.ts";
import { type CountClock, CountThrottle, presenceMode } from "./presence-count.ts";
import { PresenceDiffs } from "./presence-diff.ts";
import { updateFrame } from "./user-state.ts";

export class RoomPresence {
  readonly #index: () => SocketIndex;
  readonly #limit: number;
  readonly #counts: CountThrottle;
  readonly #diffs: PresenceDiffs;

  /**
   * @param index the room's socket index (built lazily after a wake, so read through a function)
   * @param limit PRESENCE_LIMIT
   */
  constructor(index: () => SocketIndex, limit: number, clock: CountClock) {
    this.#index = index;
    this.#limit = limit;
    this.#counts = new CountThrottle(
      () => this.#index().userCount,
      (members) => {
        if (this.#mode() !== "count") return;
        const frame: PresenceFrame = { type: "presence", event: "count", members };
        this.#toAll(JSON.stringify(frame), null);
      },
      clock,
    );
    this.#diffs = new PresenceDiffs(
      {
        sockets: () => this.#index().batched,
        members: () => this.#index().userCount,
        send: trySend,
      },
      clock,
    );
  }

  /** A batch socket got its welcome (which lists the members as of now): later changes only. */
  welcomed(ws: WebSocket): void {
    this.#diffs.seen(ws);
  }

  /** A user's first socket opened (`join`) or last one closed (`leave`); `origin` is that socket. */
  announce(event: "join" | "leave", user: UserRef, origin: WebSocket): void {
    if (this.#mode() === "count") {
      this.#diffs.clear();
      this.#counts.changed();
      return;
    }
    this.#counts.reset();
    const members = this.#index().userCount;
    const frame: PresenceFrame = { type: "presence", event, user, members };
    const text = JSON.stringify(frame);
    for (const ws of this.#index().plain()) if (ws !== origin) trySend(ws, text);
    this.#diffs.record(event, user, origin);
  }

  /** A user set their presence state from `origin`: everyone else hears of it (none above the limit). */
  updated(user: UserRef, state: unknown, origin: WebSocket): void {
    if (this.#mode() === "count") return;
    this.#diffs.flush(); // a pending join of this user must not arrive after its update
    this.#toAll(updateFrame(user, state, this.#index().userCount), origin);
  }

  #mode(): "per-user" | "count" {
    return presenceMode(this.#index().userCount, this.#limit);
  }

  #toAll(text: string, except: WebSocket | null): void {
    for (const ws of this.#index().sockets()) if (ws !== except) trySend(ws, text);
  }
}
