// A connection shard of a sharded room: holds some of its sockets and delivers the sequencer's order.
//
// Sockets are admitted, rate-limited, swept and closed as in a Room (same helpers). Publishes go to the
// sequencer; what reaches the sockets is the sequencer's pushes, passed through SeqOrder, so every
// shard delivers the same seqs in the same order, each once. The last delivered seq is stored with the
// delivery, so an evicted or restarted shard carries on where its (hibernated) sockets are.
import { DurableObject } from "cloudflare:workers";
import { IDENTITY_HEADER, type Identity } from "../../server/identity.ts";
import { type Log, logger } from "../../server/logger.ts";
import { parseSettings, type Settings } from "../../server/settings.ts";
import { SHARD_HEADER, shardName, shardOf } from "../../server/sharding.ts";
import { errorResponse } from "../../shared/errors.ts";
import {
  type AckFrame,
  CloseCode,
  PING,
  PONG,
  type SignalSendFrame,
  type SyncedFrame,
} from "../../shared/protocol.ts";
import { utf8Exceeds } from "../../shared/utf8.ts";
import { resumeRequestOf } from "../log/resume.ts";
import { CountThrottle } from "../presence/presence-count.ts";
import { storeUserState } from "../presence/user-state.ts";
import { newSocketState, welcomeFrame } from "../sockets/admission.ts";
import { parseClientFrame } from "../sockets/client-frames.ts";
import { reciprocalCode } from "../sockets/close-codes.ts";
import { dueForClose, nextDeadline } from "../sockets/deadlines.ts";
import { BATCH_TAG, batchRequested, deliverCommit, sendReplay } from "../sockets/fanout.ts";
import { floodLimitExceeded, nextStreak, take } from "../sockets/rate-limit.ts";
import { applyRefresh, checkRefresh } from "../sockets/refresh.ts";
import { admitSignal, SignalLimiter, signalFrame } from "../sockets/signals.ts";
import { SocketIndex } from "../sockets/socket-index.ts";
import { isOpen, sendError, trySend } from "../sockets/socket-io.ts";
import { readState, type SocketState, touchState, userTag, writeState } from "../sockets/socket-state.ts";
import { ShardCursor } from "./cursor.ts";
import type { Committed, PublishOutcome, Push, ShardAddress, ShardStats } from "./wire.ts";

/** Most users listed in a shard's welcome or stats; `membersTotal` carries the room's count. */
const LISTED_MEMBERS = 1000;

export class RoomShard extends DurableObject<Env> {
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #cursor: ShardCursor;
  /** open sockets, their state and their users (the room's index), so a delivery never reads an attachment */
  readonly #index: SocketIndex;
  /** open sockets by connection id: a pushed message's publisher gets its ack, not the message */
  readonly #byConnection = new Map<string, WebSocket>();
  readonly #signals: SignalLimiter;
  /** This shard's distinct users go to the sequencer at most once a second, on change (the room's throttle). */
  readonly #reports: CountThrottle;
  /** upgrades waiting for their join plan: the shard is not empty while one is */
  #joining = 0;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#settings = parseSettings(env);
    this.#log = logger(this.#settings.logLevel);
    this.#signals = new SignalLimiter(this.#settings.signalRatePerSecond);
    this.#index = SocketIndex.rebuild(
      ctx
        .getWebSockets()
        .filter(isOpen)
        .map((ws) => [ws, readState(ws)] as [WebSocket, SocketState | null]),
    );
    this.#reports = new CountThrottle(
      () => this.#index.userCount,
      (users) => this.#report(users),
      { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) },
    );
    this.#cursor = new ShardCursor(ctx.storage.sql, {
      sequencer: (room) => env.SEQUENCERS.getByName(room),
      deliver: (messages) => this.#deliverCommit(messages),
      live: () => this.#index.size,
      lost: (room, from, to) => this.#lost(room, from, to),
      log: this.#log,
    });
    for (const [ws, st] of this.#index.entries()) this.#byConnection.set(st.connectionId, ws);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  // ---- entry points ----

  override async fetch(req: Request): Promise<Response> {
    const raw = req.headers.get(IDENTITY_HEADER);
    const addrRaw = req.headers.get(SHARD_HEADER);
    if (raw === null || addrRaw === null || req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(
        400,
        "bad_request",
        "shards accept only WebSocket upgrades forwarded by the worker",
      );
    }
    const who = JSON.parse(decodeURIComponent(raw)) as Identity;
    const addr = JSON.parse(addrRaw) as ShardAddress;
    this.#cursor.remember(addr);
    const index = this.#index;
    const s = this.#settings;
    // MAX_CONNECTIONS_PER_ROOM caps this shard (docs/sharding.md); all of a user's sockets share this
    // shard, so the per-user cap is exact here.
    const capped = () => {
      if (index.size >= s.maxConnectionsPerRoom) {
        return errorResponse(503, "room_full", `shard ${addr.shard} of '${who.room}' is full`);
      }
      if (index.connectionsOf(who.id) < s.maxConnectionsPerUser) return null;
      return errorResponse(
        429,
        "too_many_connections",
        `user '${who.id}' already holds ${s.maxConnectionsPerUser} connections in room '${who.room}'`,
      );
    };
    const refused = capped();
    if (refused !== null) return refused;
    // Replay from the sequencer, cut to end exactly where this shard's live deliveries begin.
    const url = new URL(req.url);
    const batch = batchRequested(url);
    this.#joining++;
    let join: Awaited<ReturnType<ShardCursor["join"]>>;
    try {
      join = await this.#cursor.join(who.id, resumeRequestOf(url), index.size === 0, s.maxReplayBytes);
    } finally {
      this.#joining--;
    }
    if ("banned" in join) return errorResponse(403, "banned", join.banned);
    // The caps again: other upgrades may have been admitted while the join was asked.
    const late = capped();
    if (late !== null) return late;

    const { 0: client, 1: server } = new WebSocketPair();
    const state = newSocketState(who, s, Date.now());
    const peer = index.peerOf(who.id);
    if (peer?.presence !== undefined) state.presence = peer.presence;
    this.ctx.acceptWebSocket(server, batch ? [userTag(who.id), BATCH_TAG] : [userTag(who.id)]);
    writeState(server, state);
    const firstOfUser = index.add(server, state);
    this.#byConnection.set(state.connectionId, server);
    const welcome = welcomeFrame(
      who,
      state,
      {
        epoch: join.epoch,
        seq: join.seq,
        members: index.members(LISTED_MEMBERS),
        // The room-wide figure as best known: the other shards' last reports and this shard now.
        membersTotal: join.elsewhere + index.userCount,
      },
      s,
    );
    server.send(JSON.stringify(welcome));
    sendReplay(server, join.frames, batch);
    const synced: SyncedFrame = {
      type: "synced",
      seq: join.seq,
      replayed: join.frames.length,
      gap: join.gap,
      ...(join.more ? { more: true, next: join.next as number } : { more: false }),
    };
    server.send(JSON.stringify(synced));

    if (firstOfUser) this.#reports.changed();
    await this.#armAlarm(nextDeadline({ lastActive: state.seen, expiresAt: state.exp }, this.#idleMs));
    this.#log("info", {
      event: "connect",
      room: who.room,
      shard: addr.shard,
      conn: state.connectionId,
      user: who.id,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = this.#index.get(ws);
    const addr = this.#cursor.address;
    if (state === undefined || state.gone || addr === null) return;
    const now = Date.now();
    // Expiry on every frame, as in a room: the alarm is only the backstop for silent sockets.
    if (now >= state.exp) return this.#close(ws, state, CloseCode.TOKEN_EXPIRED, "token expired");
    const max = this.#settings.maxMessageBytes;
    if (typeof message === "string" ? utf8Exceeds(message, max) : message.byteLength > max) {
      return this.#close(ws, state, CloseCode.TOO_BIG, `frame larger than ${max} bytes`);
    }
    // Signals have their own bucket (as in a room), so they are told apart before the main one.
    const early =
      typeof message === "string" && message.includes('"signal"') ? parseClientFrame(message) : null;
    touchState(ws, state, now);
    if (early?.ok && early.frame.type === "signal") return this.#signal(ws, state, addr, early.frame, now);
    const rate = this.#settings.ratePerSecond;
    const taken = take({ tokens: state.tokens, at: state.refilledAt }, now, rate);
    state.tokens = taken.bucket.tokens;
    state.refilledAt = taken.bucket.at;
    state.refused = nextStreak(state.refused, taken.ok, taken.bucket);
    if (!taken.ok) {
      if (floodLimitExceeded(state.refused, rate)) {
        return this.#close(ws, state, CloseCode.FLOODING, "too many frames after rate_limited errors");
      }
      return sendError(ws, "rate_limited", `more than ${rate} frames per second (burst ${2 * rate})`);
    }
    if (typeof message !== "string") {
      if (!state.capabilities.includes("write"))
        return sendError(ws, "forbidden", "binary frames need the 'write' capability");
      await this.env.SEQUENCERS.getByName(addr.room).relay(addr.room, message, state.connectionId);
      return;
    }
    const parsed = early ?? parseClientFrame(message);
    if (!parsed.ok) return sendError(ws, "bad_message", parsed.message, parsed.id);
    const frame = parsed.frame;
    if (frame.type === "signal") return;
    if (frame.type === "state") return this.#setState(ws, state, frame.data);
    if (frame.type === "refresh") return this.#refresh(ws, state, addr, frame.token);
    if (!state.capabilities.includes("write")) {
      return sendError(ws, "forbidden", `${frame.type} needs the 'write' capability`, frame.id);
    }
    const from = { id: state.userId, name: state.name };
    if (frame.type === "publish") {
      let r: PublishOutcome;
      try {
        const p = { from, data: frame.data, id: frame.id, origin: state.connectionId };
        r = await this.#cursor.publish(p, message.length);
        if ("failed" in r) throw new Error(r.failed);
      } catch (err) {
        // Never acked: the client reconnects, resumes and resends with the same id.
        this.#log("warn", {
          event: "publish_failed",
          room: addr.room,
          conn: state.connectionId,
          error: String(err),
        });
        if (this.#index.get(ws) === state) this.#close(ws, state, CloseCode.SERVER_ERROR, "storage failure");
        return;
      }
      // Refused (too_large, overloaded): an error frame; the socket stays open and may resend.
      if ("refused" in r) return sendError(ws, r.refused, r.message, frame.id);
      const ack: AckFrame = {
        type: "ack",
        id: frame.id ?? null,
        seq: r.seq,
        ...(r.duplicate ? { duplicate: true as const } : {}),
      };
      return trySend(ws, JSON.stringify(ack));
    }
    const text = JSON.stringify({
      type: "direct",
      from,
      data: frame.data,
      ts: now,
      ...(frame.id ? { id: frame.id } : {}),
    });
    const reached = await this.#toUser(addr, frame.to, text);
    if (reached === 0) sendError(ws, "no_such_user", `user '${frame.to}' is not in this room`, frame.id);
  }

  override async webSocketClose(ws: WebSocket, code: number): Promise<void> {
    const cid = this.#index.get(ws)?.connectionId;
    if (cid !== undefined) this.#signals.forget(cid);
    try {
      ws.close(reciprocalCode(code), "");
    } catch {
      try {
        ws.close(CloseCode.PROTOCOL_ERROR, "");
      } catch {
        // already closed
      }
    }
    await this.#depart(ws);
  }

  override async webSocketError(ws: WebSocket): Promise<void> {
    await this.#depart(ws);
  }

  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ws, state] of [...this.#index.entries()]) {
      const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
      const facts = { lastActive: Math.max(state.seen, pinged), expiresAt: state.exp };
      const due = dueForClose(facts, now, this.#idleMs);
      if (due) this.#close(ws, state, due.code, due.reason);
      else next = Math.min(next, nextDeadline(facts, this.#idleMs));
    }
    if (next !== Number.POSITIVE_INFINITY) await this.ctx.storage.setAlarm(next);
  }

  // ---- RPC from the sequencer and other shards ----

  /**
   * A committed batch from the sequencer. False when this shard has no sockets and no join in progress:
   * the sequencer then stops pushing to it until a socket joins through it again.
   */
  async deliver(addr: ShardAddress, push: Push): Promise<boolean> {
    this.#cursor.remember(addr);
    await this.#cursor.offer(push);
    return this.#index.size > 0 || this.#joining > 0;
  }

  /** Unstored traffic relayed by the sequencer (binary frames, the presence count). */
  broadcast(addr: ShardAddress, frame: string | ArrayBuffer, origin: string | null): void {
    this.#cursor.remember(addr);
    this.#send(frame, origin);
  }

  /** A `direct` for one of this shard's users; returns how many sockets it reached. */
  direct(to: string, text: string): number {
    let reached = 0;
    for (const t of this.#index.socketsOf(to)) {
      trySend(t, text);
      reached++;
    }
    return reached;
  }

  /** Closes every socket of the user here with 4403 (the sequencer stored any ban first). */
  kick(addr: ShardAddress, user: string, reason: string): number {
    this.#cursor.remember(addr);
    let closed = 0;
    for (const ws of [...this.#index.socketsOf(user)]) {
      const s = this.#index.get(ws);
      if (s === undefined) continue;
      this.#close(ws, s, CloseCode.KICKED, reason);
      closed++;
    }
    return closed;
  }

  stats(addr: ShardAddress): ShardStats {
    this.#cursor.remember(addr);
    const index = this.#index;
    return {
      shard: addr.shard,
      connections: index.size,
      users: index.userCount,
      members: index.members(LISTED_MEMBERS),
    };
  }

  /** The live sockets and their in-memory state, as `Room.liveSockets()` (for tests that age a socket). */
  liveSockets(): [WebSocket, SocketState][] {
    return [...this.#index.entries()];
  }

  // ---- internals ----

  /** `direct` or a targeted signal: the user's sockets all live on shard hash(user) mod ROOM_SHARDS. */
  async #toUser(addr: ShardAddress, user: string, text: string): Promise<number> {
    const target = shardOf(user, this.#settings.sharding.roomShards);
    if (target === addr.shard) return this.direct(user, text);
    return this.env.SHARDS.getByName(shardName(addr.room, target)).direct(user, text);
  }

  /** A signal: own bucket, needs write, never stored; relayed through the sequencer to every shard. */
  async #signal(ws: WebSocket, state: SocketState, addr: ShardAddress, frame: SignalSendFrame, now: number) {
    if (!admitSignal(this.#signals, ws, state.connectionId, now, this.#settings.signalRatePerSecond)) return;
    if (!state.capabilities.includes("write"))
      return sendError(ws, "forbidden", "signal needs the 'write' capability");
    const text = signalFrame({ id: state.userId, name: state.name }, frame.data, now);
    if (frame.to !== undefined) await this.#toUser(addr, frame.to, text);
    else await this.env.SEQUENCERS.getByName(addr.room).relay(addr.room, text, state.connectionId);
  }

  /** Presence state: kept on the user's sockets (welcome lists it); count-only rooms send no updates. */
  #setState(ws: WebSocket, state: SocketState, data: unknown): void {
    storeUserState(this.#index, ws, state.userId, data);
  }

  /** In-band token refresh, checked exactly as in a room. */
  async #refresh(ws: WebSocket, state: SocketState, addr: ShardAddress, token: string): Promise<void> {
    const outcome = await checkRefresh(token, this.env.AUTH_SECRET, {
      userId: state.userId,
      room: addr.room,
      ...(state.auth ? { auth: state.auth } : {}),
    });
    if (!outcome.ok) return sendError(ws, outcome.code, outcome.message);
    if (state.gone || !isOpen(ws)) return;
    applyRefresh(ws, state, outcome);
    await this.#armAlarm(nextDeadline({ lastActive: state.seen, expiresAt: state.exp }, this.#idleMs));
  }

  get #idleMs(): number {
    return this.#settings.idleTimeoutSeconds * 1000;
  }

  /** A commit (or a fetched range): batched sockets get `batch` frames, each publisher none of its own. */
  #deliverCommit(messages: Committed[]): void {
    const outgoing = messages.map((m) => ({
      frame: m.frame,
      except: m.origin === null ? null : (this.#byConnection.get(m.origin) ?? null),
    }));
    deliverCommit(this.#index.sockets(), () => new Set(this.ctx.getWebSockets(BATCH_TAG)), outgoing, trySend);
  }

  #send(frame: string | ArrayBuffer, origin: string | null): void {
    for (const [ws, s] of this.#index.entries()) if (s.connectionId !== origin) trySend(ws, frame);
  }

  /** History no longer holds what this shard missed: its sockets reconnect and resume with a gap. */
  #lost(room: string, from: number, to: number): void {
    this.#log("warn", { event: "shard_lost_range", room, from, to });
    for (const [ws, s] of [...this.#index.entries()]) this.#close(ws, s, 1011, "missed messages; resume");
  }

  #close(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    state.gone = true;
    try {
      writeState(ws, state);
      ws.close(code, reason);
    } catch (err) {
      this.#log("warn", { event: "close_failed", conn: state.connectionId, code, error: String(err) });
    }
    this.#depart(ws).catch((err: unknown) =>
      this.#log("warn", { event: "depart_failed", conn: state.connectionId, error: String(err) }),
    );
  }

  async #depart(ws: WebSocket): Promise<void> {
    const state = this.#index.get(ws);
    if (state === undefined) return;
    const lastOfUser = this.#index.remove(ws, state.userId);
    if (this.#byConnection.get(state.connectionId) === ws) this.#byConnection.delete(state.connectionId);
    if (lastOfUser) this.#reports.changed();
    if (this.#index.size === 0) await this.ctx.storage.deleteAlarm();
  }

  #report(users: number): void {
    const addr = this.#cursor.address;
    if (addr === null) return;
    this.env.SEQUENCERS.getByName(addr.room)
      .report(addr.room, addr.shard, users)
      .catch((err: unknown) =>
        this.#log("warn", { event: "report_failed", room: addr.room, error: String(err) }),
      );
  }

  async #armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}
