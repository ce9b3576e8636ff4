// The Room Durable Object: one per room; holds its hibernatable sockets, history, presence and alarm.
//
// Structure (for anyone adding a hook here):
// - `#index` (socket-index.ts) is the in-memory view of open sockets and members, built at most once
//   per wake from `ctx.getWebSockets()` + attachments, then kept current by `#admit` and `#depart`.
//   Never scan `ctx.getWebSockets()` per connect, close or frame: use the index.
// - Attachments (socket-state.ts) stay the durable copy of each socket's state; the index holds the
//   same objects, so mutate the state from `#index.get(ws)` and `writeState` when it must survive.
// - Publishes go through `#commits` (group-commit.ts, bounded: `overloaded` beyond it) into `#store`,
//   which renders the `message` frame, enforces the rendered-size rule, appends in one transaction
//   and broadcasts. A write that throws is never acked or broadcast: the publisher's socket closes 1011.
// - Presence goes through `#presence` (presence.ts): per-user join/leave/update up to PRESENCE_LIMIT
//   users (coalesced diffs for batch sockets), a throttled count frame above it.
// - Replays and HTTP history pages are bounded by MAX_REPLAY_BYTES (replay.ts).
// - `faults` is a test seam (storage failures, held flushes), inert unless a test sets it.
import { DurableObject } from "cloudflare:workers";
import { IDENTITY_HEADER, type Identity } from "../server/identity.ts";
import { type Log, logger } from "../server/logger.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult } from "../server/room-rpc.ts";
import { parseSettings, type RoomcastVars, type Settings } from "../server/settings.ts";
import { errorResponse } from "../shared/errors.ts";
import {
  type AckFrame,
  CloseCode,
  type DirectFrame,
  type KickResult,
  PING,
  PONG,
  type RefreshFrame,
  type RoomInfo,
  type SignalSendFrame,
  type SyncedFrame,
  type UserRef,
} from "../shared/protocol.ts";
import { utf8Exceeds } from "../shared/utf8.ts";
import {
  approxBytes,
  type Faults,
  failingWrites,
  GroupCommit,
  heldFlush,
  Overloaded,
} from "./log/group-commit.ts";
import { History } from "./log/history.ts";
import { renderMessage } from "./log/message-frame.ts";
import { Bans, bannedMessage, kickReason } from "./log/moderation.ts";
import { historyPage, replay } from "./log/replay.ts";
import { planResume, resumeRequestOf } from "./log/resume.ts";
import { RoomPresence } from "./presence/presence.ts";
import { storeUserState } from "./presence/user-state.ts";
import { newSocketState, welcomeFrame } from "./sockets/admission.ts";
import { parseClientFrame } from "./sockets/client-frames.ts";
import { reciprocalCode } from "./sockets/close-codes.ts";
import { dueForClose, type Liveness, nextDeadline } from "./sockets/deadlines.ts";
import { BATCH_TAG, batchRequested, CommitOutbox, deliverCommit, sendReplay } from "./sockets/fanout.ts";
import { floodLimitExceeded, nextStreak, take } from "./sockets/rate-limit.ts";
import { applyRefresh, checkRefresh } from "./sockets/refresh.ts";
import { admitSignal, SignalLimiter, signalFrame } from "./sockets/signals.ts";
import { SocketIndex } from "./sockets/socket-index.ts";
import { isOpen, sendError, trySend } from "./sockets/socket-io.ts";
import { readState, type SocketState, touchState, userTag, writeState } from "./sockets/socket-state.ts";

interface PublishRequest {
  from: UserRef;
  data: unknown;
  id: string | undefined;
  /** the publisher's socket, which gets an ack instead of the broadcast */
  except: WebSocket | null;
}

type PublishResult = { seq: number; duplicate: boolean } | { refused: "too_large"; message: string };

export type { Faults };

export class Room extends DurableObject<RoomcastVars> {
  readonly #settings: Settings;
  readonly #history: History;
  readonly #log: Log;
  readonly #bans: Bans;
  readonly #signals: SignalLimiter;
  readonly faults: Faults = { failWrites: 0, holdFlush: null };
  readonly #commits = new GroupCommit<PublishRequest, PublishResult>(
    (p) => this.#store(p),
    heldFlush(this.faults, () => this.ctx.storage.sync()),
  );
  /** A commit's messages, delivered together at the end of the turn that wrote them. */
  readonly #outbox = new CommitOutbox((messages) =>
    deliverCommit(this.#index.sockets(), () => this.#index.batched, messages, trySend),
  );
  readonly #presence: RoomPresence;
  #indexed: SocketIndex | null = null;
  /** The armed alarm (ms), null for none, undefined until read from storage in this wake. */
  #alarmAt: number | null | undefined = undefined;
  /** The room's name: from the worker on each request, or the object's own name after a wake. */
  #name: string | undefined;

  constructor(ctx: DurableObjectState, env: RoomcastVars) {
    super(ctx, env);
    this.#settings = parseSettings(env);
    this.#presence = new RoomPresence(() => this.#index, this.#settings.presenceLimit, {
      now: () => Date.now(),
      later: (fn, ms) => setTimeout(fn, ms),
    });
    this.#history = new History(ctx.storage, this.#settings.historyLimit);
    this.#history.beforeCommit = failingWrites(this.faults);
    this.#log = logger(this.#settings.logLevel);
    this.#bans = new Bans(ctx.storage.sql);
    this.#signals = new SignalLimiter(this.#settings.signalRatePerSecond);
    this.#name = ctx.id.name;
    // Answered by the runtime without waking the room; its timestamp counts as activity.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  // ---- entry points ----

  /** The upgrade, forwarded by the worker with the identity it verified. */
  override async fetch(req: Request): Promise<Response> {
    const raw = req.headers.get(IDENTITY_HEADER);
    if (raw === null || req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(
        400,
        "bad_request",
        "rooms accept only WebSocket upgrades forwarded by the worker",
      );
    }
    const who = JSON.parse(decodeURIComponent(raw)) as Identity;
    this.#name = who.room;
    const url = new URL(req.url);
    const resume = resumeRequestOf(url);
    const batch = batchRequested(url);
    const index = this.#index;
    const s = this.#settings;

    const ban = this.#bans.active(who.id, Date.now());
    if (ban) return errorResponse(403, "banned", bannedMessage(who.id, who.room, ban));
    if (index.size >= s.maxConnectionsPerRoom) {
      return errorResponse(503, "room_full", `room '${who.room}' already holds ${index.size} connections`);
    }
    if (index.connectionsOf(who.id) >= s.maxConnectionsPerUser) {
      return errorResponse(
        429,
        "too_many_connections",
        `user '${who.id}' already holds ${s.maxConnectionsPerUser} connections in room '${who.room}'`,
      );
    }

    const { 0: client, 1: server } = new WebSocketPair();
    const state = newSocketState(who, s, Date.now());
    const peer = index.peerOf(who.id);
    if (peer?.presence !== undefined) state.presence = peer.presence;
    this.ctx.acceptWebSocket(server, batch ? [userTag(who.id), BATCH_TAG] : [userTag(who.id)]);
    writeState(server, state);
    const firstOfUser = index.add(server, state, batch);
    // Its welcome lists the members as of now: it gets only the presence changes after this.
    if (batch) this.#presence.welcomed(server);

    const welcome = welcomeFrame(
      who,
      state,
      {
        epoch: this.#history.epoch,
        seq: this.#history.seq,
        members: index.members(s.presenceLimit),
        membersTotal: index.userCount,
      },
      s,
    );
    server.send(JSON.stringify(welcome));
    const plan = planResume(resume, this.#history.epoch, this.#history.seq, this.#history.bounds());
    const replayed =
      plan.replayAfter === null
        ? { replayed: 0, more: false }
        : replay(this.#history, plan.replayAfter, s.maxReplayBytes, (frames) => {
            sendReplay(server, frames, batch);
          });
    const synced: SyncedFrame = { type: "synced", seq: this.#history.seq, gap: plan.gap, ...replayed };
    server.send(JSON.stringify(synced));

    if (firstOfUser) this.#presence.announce("join", { id: who.id, name: who.name }, server);
    await this.#armAlarm(nextDeadline(this.#liveness(server, state), this.#idleMs));
    this.#log("info", {
      event: "connect",
      room: who.room,
      conn: state.connectionId,
      user: who.id,
      resumed: resume !== null && "since" in resume,
      replayed: replayed.replayed,
      more: replayed.more,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = this.#index.get(ws);
    if (state === undefined) return;
    const now = Date.now();
    // Expiry on every frame: the alarm is only the backstop for silent sockets.
    if (now >= state.exp) {
      this.#close(ws, state, CloseCode.TOKEN_EXPIRED, "token expired");
      return;
    }
    const max = this.#settings.maxMessageBytes;
    if (typeof message === "string" ? utf8Exceeds(message, max) : message.byteLength > max) {
      this.#close(ws, state, CloseCode.TOO_BIG, `frame larger than ${max} bytes`);
      return;
    }
    // Signals skip the main bucket, so they are told apart first; other frames are parsed only once they
    // have a token, as before (a flood of them costs no parsing).
    const early =
      typeof message === "string" && message.includes('"signal"') ? parseClientFrame(message) : null;
    touchState(ws, state, now);
    if (early?.ok && early.frame.type === "signal") {
      this.#signal(ws, state, early.frame, now);
      return;
    }
    const rate = this.#settings.ratePerSecond;
    const taken = take({ tokens: state.tokens, at: state.refilledAt }, now, rate);
    state.tokens = taken.bucket.tokens;
    state.refilledAt = taken.bucket.at;
    state.refused = nextStreak(state.refused, taken.ok, taken.bucket);
    if (!taken.ok) {
      if (floodLimitExceeded(state.refused, rate)) {
        this.#close(ws, state, CloseCode.FLOODING, "too many frames after rate_limited errors");
        return;
      }
      sendError(ws, "rate_limited", `more than ${rate} frames per second (burst ${2 * rate})`);
      return;
    }

    if (typeof message !== "string") {
      if (!state.capabilities.includes("write"))
        return sendError(ws, "forbidden", "binary frames need the 'write' capability");
      this.#broadcast(message, ws);
      return;
    }
    const parsed = early ?? parseClientFrame(message);
    if (!parsed.ok) return sendError(ws, "bad_message", parsed.message, parsed.id);
    const frame = parsed.frame;
    if (frame.type === "state") return this.#setState(ws, state, frame.data);
    if (frame.type === "refresh") return this.#refresh(ws, frame);
    if (frame.type === "signal") return; // handled above, before the main bucket
    if (!state.capabilities.includes("write")) {
      return sendError(ws, "forbidden", `${frame.type} needs the 'write' capability`, frame.id);
    }
    const from = { id: state.userId, name: state.name };
    if (frame.type === "publish") {
      await this.#publishFromSocket(ws, state, { from, data: frame.data, id: frame.id, except: ws }, message);
      return;
    }
    let delivered = 0;
    let text: string | null = null;
    for (const t of this.#index.socketsOf(frame.to)) {
      if (text === null) {
        const direct: DirectFrame = {
          type: "direct",
          from,
          data: frame.data,
          ts: now,
          ...(frame.id ? { id: frame.id } : {}),
        };
        text = JSON.stringify(direct);
      }
      trySend(t, text);
      delivered++;
    }
    if (delivered === 0) sendError(ws, "no_such_user", `user '${frame.to}' is not in this room`, frame.id);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const state = this.#index.get(ws) ?? readState(ws);
    if (state !== null) this.#signals.forget(state.connectionId);
    // Checked at compatibility date 2026-11-01 (test/room/limits.test.ts "close handshake"): the
    // runtime does not answer a client's Close frame on hibernatable sockets, even with the
    // web_socket_auto_reply_to_close flag set, so the room still reciprocates.
    try {
      ws.close(reciprocalCode(code), "");
    } catch (err) {
      // Never leave a half-open socket behind: fall back to a code the runtime always sends.
      this.#log("warn", {
        event: "close_failed",
        room: this.#name,
        conn: state?.connectionId,
        code,
        error: String(err),
      });
      try {
        ws.close(CloseCode.PROTOCOL_ERROR, "");
      } catch {
        // already closed
      }
    }
    if (state !== null && !state.gone) this.#depart(ws, state, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    const state = this.#index.get(ws) ?? readState(ws);
    this.#log("warn", {
      event: "socket_error",
      room: this.#name,
      conn: state?.connectionId,
      error: String(error),
    });
    if (state !== null && !state.gone) this.#depart(ws, state, CloseCode.ABNORMAL, "error");
  }

  /** Closes sockets that went idle or whose token expired (O(n + k)); re-arms while sockets remain. */
  override async alarm(): Promise<void> {
    this.#alarmAt = undefined; // consumed by this call, or kept for a retry if it throws: read it back
    const now = Date.now();
    let next = Infinity;
    for (const [ws, state] of [...this.#index.entries()]) {
      const facts = this.#liveness(ws, state);
      const due = dueForClose(facts, now, this.#idleMs);
      if (due) this.#close(ws, state, due.code, due.reason);
      else next = Math.min(next, nextDeadline(facts, this.#idleMs));
    }
    if (next !== Infinity) await this.#setAlarm(next);
  }

  // ---- RPC from the worker ----

  /** Room info for `GET /rooms/:room`. */
  info(room: string): RoomInfo {
    this.#name = room;
    const index = this.#index;
    return {
      room,
      epoch: this.#history.epoch,
      seq: this.#history.seq,
      connections: index.size,
      members: index.members(this.#settings.presenceLimit),
      membersTotal: index.userCount,
      history: this.#history.bounds(),
    };
  }

  /** A page of `GET /rooms/:room/messages`, as the JSON body text. */
  history(room: string, q: HistoryQuery): HistoryAnswer {
    this.#name = room;
    return historyPage(this.#history, room, q, this.#settings.maxReplayBytes);
  }

  /** Server-side publish for `POST /rooms/:room/messages`; broadcast to every socket. */
  async publish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult> {
    this.#name = room;
    const banned = this.banned(room, from.id);
    if (banned !== null) return { ok: false, code: "banned", message: banned };
    let r: PublishResult;
    try {
      r = await this.#commits.submit({ from, data, id, except: null }, approxBytes(data));
    } catch (err) {
      if (err instanceof Overloaded) return { ok: false, code: "overloaded", message: err.message };
      this.#log("warn", { event: "storage_failed", room, user: from.id, error: String(err) });
      return { ok: false, code: "unavailable", message: "the message could not be stored; retry" };
    }
    if ("refused" in r) return { ok: false, code: r.refused, message: r.message };
    this.#log("info", { event: "http_publish", room, user: from.id, seq: r.seq, duplicate: r.duplicate });
    return r.duplicate ? { ok: true, seq: r.seq, duplicate: true } : { ok: true, seq: r.seq };
  }

  /** `POST /rooms/:room/kick`: closes the user's sockets with 4403 and, for banSeconds > 0, stores a ban. */
  kick(room: string, user: string, banSeconds: number, reason: string | undefined): KickResult {
    this.#name = room;
    const now = Date.now();
    if (banSeconds > 0) this.#bans.ban(user, now + banSeconds * 1000, reason ?? null);
    const why = kickReason(reason, banSeconds);
    let closed = 0;
    for (const ws of [...this.#index.socketsOf(user)]) {
      const state = this.#index.get(ws);
      if (state === undefined) continue;
      this.#close(ws, state, CloseCode.KICKED, why);
      closed++;
    }
    this.#log("info", { event: "kick", room, user, closed, banSeconds });
    return { closed };
  }

  /** The `403 banned` message while the user is banned from this room, else null. */
  banned(room: string, user: string): string | null {
    const ban = this.#bans.active(user, Date.now());
    return ban ? bannedMessage(user, room, ban) : null;
  }

  /**
   * The live sockets and their in-memory state (the objects the room uses). For tests and tools that
   * need to age a socket: mutate the state, then `writeState` so it also survives hibernation.
   */
  liveSockets(): [WebSocket, SocketState][] {
    return [...this.#index.entries()];
  }

  // ---- live-room hooks (signals, presence state, refresh) ----

  /** A signal: own bucket, needs write, relayed at once and never stored. */
  #signal(ws: WebSocket, state: SocketState, frame: SignalSendFrame, now: number): void {
    if (!admitSignal(this.#signals, ws, state.connectionId, now, this.#settings.signalRatePerSecond)) return;
    if (!state.capabilities.includes("write")) {
      sendError(ws, "forbidden", "signal needs the 'write' capability");
      return;
    }
    const text = signalFrame({ id: state.userId, name: state.name }, frame.data, now);
    if (frame.to === undefined) this.#broadcast(text, ws);
    else for (const t of this.#index.socketsOf(frame.to)) trySend(t, text);
  }

  /** Sets the user's presence state on each of the user's sockets and tells everyone else. */
  #setState(ws: WebSocket, state: SocketState, data: unknown): void {
    const stored = storeUserState(this.#index, ws, state.userId, data);
    if (stored) this.#presence.updated({ id: state.userId, name: state.name }, stored.value, ws);
  }

  /** In-band refresh: on success this connection's exp, name and capabilities are replaced. */
  async #refresh(ws: WebSocket, frame: RefreshFrame): Promise<void> {
    const before = this.#index.get(ws);
    if (before === undefined) return;
    const room = before.room ?? this.#name ?? "";
    const outcome = await checkRefresh(frame.token, this.env.AUTH_SECRET, {
      userId: before.userId,
      room,
      ...(before.auth ? { auth: before.auth } : {}),
    });
    if (!outcome.ok) return sendError(ws, outcome.code, outcome.message);
    // Looked up again: the socket may have closed while the token was checked.
    const state = this.#index.get(ws);
    if (state === undefined || !isOpen(ws)) return;
    applyRefresh(ws, state, outcome);
    this.#log("info", {
      event: "refresh",
      room,
      conn: state.connectionId,
      user: state.userId,
      exp: outcome.exp,
    });
    await this.#armAlarm(nextDeadline(this.#liveness(ws, state), this.#idleMs));
  }

  // ---- internals ----

  get #idleMs(): number {
    return this.#settings.idleTimeoutSeconds * 1000;
  }

  /** The socket index, built on first use after each wake (the only full scan of the sockets). */
  get #index(): SocketIndex {
    this.#indexed ??= SocketIndex.rebuild(
      this.ctx
        .getWebSockets()
        .filter(isOpen)
        .map((ws) => [ws, readState(ws), this.ctx.getTags(ws).includes(BATCH_TAG)] as const),
    );
    return this.#indexed;
  }

  async #publishFromSocket(
    ws: WebSocket,
    state: SocketState,
    p: PublishRequest,
    text: string,
  ): Promise<void> {
    let r: PublishResult;
    try {
      r = await this.#commits.submit(p, text.length);
    } catch (err) {
      if (err instanceof Overloaded) return sendError(ws, "overloaded", err.message, p.id);
      // Never acked, never broadcast: the client reconnects, resumes and resends with the same id.
      this.#log("warn", {
        event: "storage_failed",
        room: this.#name,
        conn: state.connectionId,
        error: String(err),
      });
      if (this.#index.get(ws) === state) this.#close(ws, state, CloseCode.SERVER_ERROR, "storage failure");
      return;
    }
    if ("refused" in r) return sendError(ws, r.refused, r.message, p.id);
    const ack: AckFrame = {
      type: "ack",
      id: p.id ?? null,
      seq: r.seq,
      ...(r.duplicate ? { duplicate: true as const } : {}),
    };
    trySend(ws, JSON.stringify(ack)); // the socket may have closed while the write was queued
  }

  /** Stores (or finds the duplicate of) a message and broadcasts it to everyone but `except`. */
  #store({ from, data, id, except }: PublishRequest): PublishResult {
    if (id !== undefined) {
      const seq = this.#history.findDuplicate(from.id, id);
      if (seq !== null) return { seq, duplicate: true };
    }
    const seq = this.#history.seq + 1;
    const rendered = renderMessage({ seq, from, data, id, ts: Date.now() }, this.#settings.maxMessageBytes);
    if ("refused" in rendered) return rendered;
    const { frame } = rendered;
    this.#history.append(seq, from.id, id, frame);
    this.#outbox.add(frame, except);
    return { seq, duplicate: false };
  }

  #broadcast(frame: string | ArrayBuffer, except: WebSocket | null): void {
    for (const ws of this.#index.sockets()) {
      if (ws !== except) trySend(ws, frame);
    }
  }

  /** Server-initiated close: announce the departure now, the client's echo is ignored. */
  #close(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch (err) {
      this.#log("warn", {
        event: "close_failed",
        room: this.#name,
        conn: state.connectionId,
        code,
        error: String(err),
      });
    }
    this.#depart(ws, state, code, reason);
  }

  /** A socket left: O(1) index update, presence leave if it was the user's last one. */
  #depart(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    state.gone = true;
    try {
      writeState(ws, state);
    } catch {
      // the socket is already gone; its state goes with it
    }
    const index = this.#index;
    index.remove(ws, state.userId);
    this.#log("info", {
      event: "close",
      room: this.#name,
      conn: state.connectionId,
      user: state.userId,
      code,
      reason,
    });
    if (index.connectionsOf(state.userId) === 0)
      this.#presence.announce("leave", { id: state.userId, name: state.name }, ws);
    if (index.size === 0) {
      // Fails only when storage does: log it instead of leaving a rejection unhandled.
      this.#alarmAt = null;
      this.ctx.storage.deleteAlarm().catch((err: unknown) => {
        this.#alarmAt = undefined;
        this.#log("warn", {
          event: "depart_failed",
          room: this.#name,
          conn: state.connectionId,
          code,
          error: String(err),
        });
      });
    }
  }

  /** Last activity: frames we handled, or pings the runtime answered while the room slept. */
  #liveness(ws: WebSocket, s: SocketState): Liveness {
    const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return { lastActive: Math.max(s.seen, pinged), expiresAt: s.exp };
  }

  /**
   * Moves the alarm earlier if this deadline comes first. The armed time is read from storage once per
   * wake and then kept here (every set and delete goes through this class), so a connect in a storm
   * costs no storage call.
   */
  async #armAlarm(at: number): Promise<void> {
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt === null || at < this.#alarmAt) await this.#setAlarm(at);
  }

  async #setAlarm(at: number): Promise<void> {
    this.#alarmAt = at;
    try {
      await this.ctx.storage.setAlarm(at);
    } catch (err) {
      this.#alarmAt = undefined; // unknown again: read it back next time
      throw err;
    }
  }
}
