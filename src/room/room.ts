// The Room Durable Object: one per room; its sockets, its message log, its presence and its alarm.
//
// Structure (for anyone adding a hook here):
// - `#host` (sockets/socket-host.ts) holds every socket: admission, per-frame checks, close, alarm,
//   kick, refresh, signals. A RoomShard uses the same host, so a socket sees the same room either way.
// - `#log` (log/message-log.ts) orders and stores publishes (bounded group commit, history, dedupe,
//   bans, paging). A sharded room's Sequencer uses the same log.
// - What is the Room's own: each written message goes to its own sockets (batched per commit by
//   `#outbox`), and presence frames come from `#presence` (presence/presence.ts).
import { DurableObject } from "cloudflare:workers";
import { logger } from "../server/logger.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult, RoomBackend } from "../server/room-rpc.ts";
import { parseSettings, type RoomcastVars } from "../server/settings.ts";
import { errorResponse } from "../shared/errors.ts";
import { type KickResult, PING, PONG, type RoomInfo, type UserRef } from "../shared/protocol.ts";
import type { Faults } from "./log/group-commit.ts";
import { MessageLog } from "./log/message-log.ts";
import { kickReason } from "./log/moderation.ts";
import { RoomPresence } from "./presence/presence.ts";
import { CommitOutbox } from "./sockets/fanout.ts";
import { type HostOwner, SocketHost } from "./sockets/socket-host.ts";
import type { SocketState } from "./sockets/socket-state.ts";

export type { Faults };

export class Room extends DurableObject<RoomcastVars> implements RoomBackend {
  readonly #host: SocketHost;
  readonly #log: MessageLog<WebSocket | null>;
  readonly #presence: RoomPresence;
  readonly #logger;
  readonly #presenceLimit: number;
  /** A commit's messages, delivered together at the end of the turn that wrote them. */
  readonly #outbox = new CommitOutbox((messages) => this.#host.deliver(messages));

  constructor(ctx: DurableObjectState, env: RoomcastVars) {
    super(ctx, env);
    const settings = parseSettings(env);
    this.#logger = logger(settings.logLevel);
    this.#presenceLimit = settings.presenceLimit;
    this.#host = new SocketHost(ctx, settings, this.#logger, this.#owner(), {
      listed: settings.presenceLimit,
      secret: env.AUTH_SECRET,
      where: (room) => `room '${room}'`,
    });
    this.#log = new MessageLog<WebSocket | null>(ctx.storage, settings, this.#logger, {
      written: (_seq, frame, except) => this.#outbox.add(frame, except),
    });
    this.#presence = new RoomPresence(() => this.#host.index, settings.presenceLimit, {
      now: () => Date.now(),
      later: (fn, ms) => setTimeout(fn, ms),
    });
    // Answered by the runtime without waking the room; its timestamp counts as activity.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  /** @internal Test seam of the room's log (storage failures, held flushes). */
  get faults(): Faults {
    return this.#log.faults;
  }

  // ---- entry points ----

  /** The upgrade, forwarded by the worker with the identity it verified. */
  override fetch(req: Request): Promise<Response> {
    return this.#host.admit(req);
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.#host.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.#host.closed(ws, code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    this.#host.errored(ws, error);
  }

  override alarm(): Promise<void> {
    return this.#host.alarm();
  }

  // ---- RPC from the worker (RoomBackend) ----

  info(room: string): RoomInfo {
    this.#host.name = room;
    const index = this.#host.index;
    return {
      room,
      epoch: this.#log.epoch,
      seq: this.#log.seq,
      connections: index.size,
      members: index.members(this.#presenceLimit),
      membersTotal: index.userCount,
      history: this.#log.bounds(),
    };
  }

  history(room: string, q: HistoryQuery, user: string): HistoryAnswer {
    this.#host.name = room;
    return this.#log.page(room, q, user);
  }

  publish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult> {
    this.#host.name = room;
    return this.#log.publishHttp(room, { from, data, id }, null);
  }

  kick(room: string, user: string, banSeconds: number, reason: string | undefined): KickResult {
    this.#host.name = room;
    this.#log.ban(user, banSeconds, reason);
    const closed = this.#host.kick(user, kickReason(reason, banSeconds));
    this.#logger("info", { event: "kick", room, user, closed, banSeconds });
    return { closed };
  }

  banned(room: string, user: string): string | null {
    return this.#log.banned(room, user);
  }

  /** @internal The live sockets and their in-memory state (for tests that age a socket). */
  liveSockets(): [WebSocket, SocketState][] {
    return this.#host.liveSockets();
  }

  // ---- what the host asks of a plain room ----

  #owner(): HostOwner {
    return {
      plan: (who, resume) => {
        const banned = this.#log.banned(who.room, who.id);
        if (banned !== null) return errorResponse(403, "banned", banned);
        const { replayAfter, gap } = this.#log.plan(resume);
        return {
          epoch: this.#log.epoch,
          seq: this.#log.seq,
          gap,
          elsewhere: 0,
          replay: replayAfter === null ? null : (send) => this.#log.replay(replayAfter, send),
        };
      },
      publish: (ws, _state, p, bytes) => this.#log.publish(this.#host.name ?? "", p, ws, bytes),
      binary: (ws, _state, data) => this.#host.broadcast(data, ws),
      signal: (ws, _state, text, to) => {
        if (to !== undefined) this.#host.toUser(to, text);
        else this.#host.broadcast(text, ws);
      },
      direct: (to, text) => this.#host.toUser(to, text),
      connected: (ws, state, first, batch) => {
        if (batch) this.#presence.welcomed(ws);
        if (first) this.#presence.announce("join", { id: state.userId, name: state.name }, ws);
      },
      disconnected: (ws, state, last) => {
        if (last) this.#presence.announce("leave", { id: state.userId, name: state.name }, ws);
      },
      stateChanged: (user, value, ws) => this.#presence.updated(user, value, ws),
    };
  }
}
