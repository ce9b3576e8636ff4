// The room's in-memory index of open sockets and members: O(1) connect, close and lookups.
//
// Why: reading every socket's attachment on each connect or close (and again for each socket an alarm
// closes) made a room's cost per connection grow with its size, O(n²) for a reconnect storm. The index
// is built once per wake from `ctx.getWebSockets()` and the attachments, then kept current by the room
// on every accept and departure. Attachments stay the durable copy (they survive hibernation); the
// index only mirrors them for the life of this instance.
import { MAX_LISTED_STATE_CHARS, type Member } from "../../shared/protocol.ts";
import type { SocketState } from "./socket-state.ts";

interface UserEntry {
  name: string | null;
  sockets: Set<WebSocket>;
}

/** The member list as a welcome carries it, serialised: the JSON array without its brackets. */
interface ListedJson {
  limit: number;
  json: string;
  /** members listed in `json` */
  count: number;
}

export class SocketIndex {
  readonly #sockets = new Map<WebSocket, SocketState>();
  /** In join order (a Map keeps insertion order), so a capped member list is stable as the room grows. */
  readonly #users = new Map<string, UserEntry>();
  /** The sockets that opted into coalesced delivery (`?batch=1`). */
  readonly #batch = new Set<WebSocket>();
  /** Open sockets by connection id (a sharded room's publisher is named by its connection). */
  readonly #byConnection = new Map<string, WebSocket>();
  /**
   * The welcome's member list, serialised, kept while only new users without state join (a connect
   * storm appends to it) and dropped on any other change: without it each welcome rebuilt and
   * serialised the whole list, O(n) objects per connect and O(n²) for a storm into one room.
   */
  #listed: ListedJson | null = null;

  /**
   * Builds the index from the sockets the runtime lists (open, with a state, not closed by us), each
   * with whether it opted into coalesced delivery.
   */
  static rebuild(sockets: Iterable<[WebSocket, SocketState | null, boolean?]>): SocketIndex {
    const index = new SocketIndex();
    for (const [ws, state, batch] of sockets) if (state !== null && !state.gone) index.add(ws, state, batch);
    return index;
  }

  /** Adds a socket; true when it is its user's first in the room. */
  add(ws: WebSocket, state: SocketState, batch = false): boolean {
    this.#sockets.set(ws, state);
    this.#byConnection.set(state.connectionId, ws);
    if (batch) this.#batch.add(ws);
    const user = this.#users.get(state.userId);
    if (user) {
      user.sockets.add(ws);
      this.#listed = null; // its `connections` changed
      return false;
    }
    this.#users.set(state.userId, { name: state.name, sockets: new Set([ws]) });
    this.#appendListed(state);
    return true;
  }

  /** Removes a socket if indexed; true when it was its user's last in the room. */
  remove(ws: WebSocket, userId: string): boolean {
    const state = this.#sockets.get(ws);
    if (state !== undefined && this.#byConnection.get(state.connectionId) === ws)
      this.#byConnection.delete(state.connectionId);
    this.#sockets.delete(ws);
    this.#batch.delete(ws);
    const user = this.#users.get(userId);
    if (!user) return false;
    this.#listed = null;
    user.sockets.delete(ws);
    if (user.sockets.size > 0) return false;
    this.#users.delete(userId);
    return true;
  }

  get(ws: WebSocket): SocketState | undefined {
    return this.#sockets.get(ws);
  }

  /** The open socket with this connection id, if any. */
  byConnection(connectionId: string | null): WebSocket | null {
    return connectionId === null ? null : (this.#byConnection.get(connectionId) ?? null);
  }

  /** Open sockets. */
  get size(): number {
    return this.#sockets.size;
  }

  /** Distinct users. */
  get userCount(): number {
    return this.#users.size;
  }

  /** Open sockets of one user. */
  connectionsOf(userId: string): number {
    return this.#users.get(userId)?.sockets.size ?? 0;
  }

  /** The state of one of the user's open sockets (e.g. to copy the user's presence state), if any. */
  peerOf(userId: string): SocketState | undefined {
    const first = this.#users.get(userId)?.sockets.values().next();
    return first && !first.done ? this.#sockets.get(first.value) : undefined;
  }

  /** Every open socket of one user. */
  socketsOf(userId: string): Iterable<WebSocket> {
    return this.#users.get(userId)?.sockets ?? [];
  }

  sockets(): Iterable<WebSocket> {
    return this.#sockets.keys();
  }

  /** The sockets that opted into coalesced delivery. */
  get batched(): ReadonlySet<WebSocket> {
    return this.#batch;
  }

  /** The sockets that did not (none without a scan when every socket did, as the client library's do). */
  *plain(): Iterable<WebSocket> {
    if (this.#batch.size === this.#sockets.size) return;
    for (const ws of this.#sockets.keys()) if (!this.#batch.has(ws)) yield ws;
  }

  entries(): Iterable<[WebSocket, SocketState]> {
    return this.#sockets.entries();
  }

  /** A user's presence state changed: the serialised member list is stale. */
  presenceChanged(): void {
    this.#listed = null;
  }

  /** `members(limit)` as JSON, from the kept serialisation while it is current. */
  membersJson(limit: number): string {
    let listed = this.#listed;
    if (listed === null || listed.limit !== limit) {
      const members = this.members(limit);
      const json = JSON.stringify(members);
      listed = { limit, json: json.slice(1, -1), count: members.length };
      this.#listed = listed;
    }
    return `[${listed.json}]`;
  }

  /** A new user joined: listed last (in join order) while there is room, with no state yet. */
  #appendListed(state: SocketState): void {
    const listed = this.#listed;
    if (listed === null) return;
    if (state.presence !== undefined && state.presence !== null) {
      this.#listed = null;
      return;
    }
    if (listed.count >= listed.limit) return;
    const member: Member = { id: state.userId, name: state.name, connections: 1, state: null };
    const json = JSON.stringify(member);
    listed.json = listed.count === 0 ? json : `${listed.json},${json}`;
    listed.count++;
  }

  /**
   * The first `limit` members in join order (the rest are only counted: `userCount`), with their
   * presence state while the states listed stay within MAX_LISTED_STATE_CHARS.
   */
  members(limit: number): Member[] {
    const out: Member[] = [];
    let budget = MAX_LISTED_STATE_CHARS;
    for (const [id, u] of this.#users) {
      if (out.length >= limit) break;
      const peer = this.peerOf(id);
      const state = peer?.presence ?? null;
      const member = { id, name: u.name, connections: u.sockets.size };
      if (state === null || peer === undefined) {
        out.push({ ...member, state: null });
        continue;
      }
      peer.presenceChars ??= JSON.stringify(state).length;
      if (peer.presenceChars > budget) {
        out.push({ ...member, state: null, stateOmitted: true });
        continue;
      }
      budget -= peer.presenceChars;
      out.push({ ...member, state });
    }
    return out;
  }
}
