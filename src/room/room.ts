// The Room Durable Object: one per room; holds its hibernatable sockets, history, presence and alarm.
import { DurableObject } from "cloudflare:workers";
import { errorResponse } from "../shared/errors.ts";
import { IDENTITY_HEADER, type Identity } from "../shared/identity.ts";
import {
  type AckFrame,
  CloseCode,
  type DirectFrame,
  type KickResult,
  type Member,
  type MessageFrame,
  PING,
  PONG,
  type PresenceFrame,
  type RefreshedFrame,
  type RefreshFrame,
  type RoomInfo,
  type SignalSendFrame,
  type SyncedFrame,
  type UserRef,
} from "../shared/protocol.ts";
import { parseSettings, type RoomcastVars, type Settings } from "../shared/settings.ts";
import { utf8Exceeds } from "../shared/utf8.ts";
import { newSocketState, welcomeFrame } from "./admission.ts";
import { parseClientFrame } from "./client-frames.ts";
import { reciprocalCode } from "./close-codes.ts";
import { dueForClose, type Liveness, nextDeadline } from "./deadlines.ts";
import { BATCH_TAG, batchRequested, CommitOutbox, deliverCommit, sendReplay } from "./fanout.ts";
import { GroupCommit } from "./group-commit.ts";
import { History } from "./history.ts";
import { Bans, bannedMessage, kickReason } from "./moderation.ts";
import { membersOf } from "./presence.ts";
import { floodLimitExceeded, nextStreak, take } from "./rate-limit.ts";
import { checkRefresh } from "./refresh.ts";
import { planResume, resumeRequestOf } from "./resume.ts";
import { SignalLimiter, signalFrame } from "./signals.ts";
import { isOpen, type Log, logger, sendError, trySend } from "./socket-io.ts";
import { readState, type SocketState, userTag, writeState } from "./socket-state.ts";
import { checkState, updateFrame } from "./state.ts";

interface PublishRequest {
  from: UserRef;
  data: unknown;
  id: string | undefined;
  /** the publisher's socket, which gets an ack instead of the broadcast */
  except: WebSocket | null;
}

interface PublishResult {
  seq: number;
  duplicate: boolean;
}

export class Room extends DurableObject<RoomcastVars> {
  readonly #settings: Settings;
  readonly #history: History;
  readonly #log: Log;
  readonly #bans: Bans;
  readonly #signals: SignalLimiter;
  readonly #commits = new GroupCommit<PublishRequest, PublishResult>(
    (p) => this.#store(p),
    () => this.ctx.storage.sync(),
  );
  /** A commit's messages, delivered together at the end of the turn that wrote them. */
  readonly #outbox = new CommitOutbox((messages) =>
    deliverCommit(this.ctx.getWebSockets(), new Set(this.ctx.getWebSockets(BATCH_TAG)), messages, trySend),
  );

  constructor(ctx: DurableObjectState, env: RoomcastVars) {
    super(ctx, env);
    this.#settings = parseSettings(env);
    this.#history = new History(ctx.storage.sql, this.#settings.historyLimit);
    this.#log = logger(this.#settings.logLevel);
    this.#bans = new Bans(ctx.storage.sql);
    this.#signals = new SignalLimiter(this.#settings.signalRatePerSecond);
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
    const url = new URL(req.url);
    const resume = resumeRequestOf(url);
    const batch = batchRequested(url);

    const ban = this.#bans.active(who.id, Date.now());
    if (ban) return errorResponse(403, "banned", bannedMessage(who.id, who.room, ban));
    const open = this.#live();
    if (open.length >= this.#settings.maxConnectionsPerRoom) {
      return errorResponse(503, "room_full", `room '${who.room}' already holds ${open.length} connections`);
    }
    const peer = open.find(([, s]) => s.uid === who.id);
    const firstOfUser = peer === undefined;

    const { 0: client, 1: server } = new WebSocketPair();
    const state = newSocketState(who, this.#settings, Date.now());
    if (peer?.[1].presence !== undefined) state.presence = peer[1].presence;
    this.ctx.acceptWebSocket(server, batch ? [userTag(who.id), BATCH_TAG] : [userTag(who.id)]);
    writeState(server, state);

    const members = membersOf([...open.map(([, s]) => s), state]);
    const welcome = welcomeFrame(
      who,
      state,
      { epoch: this.#history.epoch, seq: this.#history.seq, members },
      this.#settings,
    );
    server.send(JSON.stringify(welcome));
    const plan = planResume(resume, this.#history.epoch, this.#history.seq, this.#history.bounds());
    const replayed =
      plan.replayAfter === null ? 0 : sendReplay(server, this.#history.framesAfter(plan.replayAfter), batch);
    const synced: SyncedFrame = { type: "synced", seq: this.#history.seq, replayed, gap: plan.gap };
    server.send(JSON.stringify(synced));

    if (firstOfUser) {
      this.#presence("join", { id: who.id, name: who.name }, members.length, server);
    }
    await this.#armAlarm(nextDeadline(this.#liveness(server, state), this.#idleMs));
    this.#log("info", {
      event: "connect",
      room: who.room,
      conn: state.cid,
      user: who.id,
      resumed: resume !== null && "since" in resume,
      replayed,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  override async webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = readState(ws);
    if (state === null || state.gone) return;
    const now = Date.now();
    const max = this.#settings.maxMessageBytes;
    if (typeof message === "string" ? utf8Exceeds(message, max) : message.byteLength > max) {
      this.#close(ws, state, CloseCode.TOO_BIG, `frame larger than ${max} bytes`);
      return;
    }
    // Signals skip the main bucket, so they are told apart first; other frames are parsed only once they
    // have a token, as before (a flood of them costs no parsing).
    const early =
      typeof message === "string" && message.includes('"signal"') ? parseClientFrame(message) : null;
    if (early?.ok && early.frame.type === "signal") {
      // Signals have their own bucket; the attachment's activity time is refreshed at most once a second.
      if (now - state.seen >= 1000) {
        state.seen = now;
        writeState(ws, state);
      }
      this.#signal(ws, state, early.frame, now);
      return;
    }
    state.seen = now;
    const rate = this.#settings.ratePerSecond;
    const taken = take({ tokens: state.tokens, at: state.at }, now, rate);
    state.tokens = taken.bucket.tokens;
    state.at = taken.bucket.at;
    state.refused = nextStreak(state.refused, taken.ok, taken.bucket);
    if (!taken.ok) {
      if (floodLimitExceeded(state.refused, rate)) {
        this.#close(ws, state, CloseCode.FLOODING, "too many frames after rate_limited errors");
        return;
      }
      writeState(ws, state);
      sendError(ws, "rate_limited", `more than ${rate} frames per second (burst ${2 * rate})`);
      return;
    }
    writeState(ws, state);

    if (typeof message !== "string") {
      if (!state.caps.includes("write"))
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
    if (!state.caps.includes("write")) {
      return sendError(ws, "forbidden", `${frame.type} needs the 'write' capability`, frame.id);
    }
    const from = { id: state.uid, name: state.name };
    if (frame.type === "publish") {
      const { seq, duplicate } = await this.#commits.submit({
        from,
        data: frame.data,
        id: frame.id,
        except: ws,
      });
      const ack: AckFrame = {
        type: "ack",
        id: frame.id ?? null,
        seq,
        ...(duplicate ? { duplicate: true as const } : {}),
      };
      trySend(ws, JSON.stringify(ack)); // the socket may have closed while the write was queued
      return;
    }
    const targets = this.ctx.getWebSockets(userTag(frame.to)).filter(isOpen);
    if (targets.length === 0)
      return sendError(ws, "no_such_user", `user '${frame.to}' is not in this room`, frame.id);
    const direct: DirectFrame = {
      type: "direct",
      from,
      data: frame.data,
      ts: now,
      ...(frame.id ? { id: frame.id } : {}),
    };
    const text = JSON.stringify(direct);
    for (const t of targets) trySend(t, text);
  }

  override async webSocketClose(ws: WebSocket, code: number, reason: string): Promise<void> {
    const state = readState(ws);
    if (state !== null) this.#signals.forget(state.cid);
    try {
      ws.close(reciprocalCode(code), "");
    } catch (err) {
      // Never leave a half-open socket behind: fall back to a code the runtime always sends.
      this.#log("warn", { event: "close_failed", conn: state?.cid, code, error: String(err) });
      try {
        ws.close(CloseCode.PROTOCOL_ERROR, "");
      } catch {
        // already closed
      }
    }
    if (state !== null && !state.gone) await this.#depart(ws, state, code, reason);
  }

  override async webSocketError(ws: WebSocket, error: unknown): Promise<void> {
    const state = readState(ws);
    this.#log("warn", { event: "socket_error", conn: state?.cid, error: String(error) });
    if (state !== null && !state.gone) await this.#depart(ws, state, CloseCode.ABNORMAL, "error");
  }

  /** Closes sockets that went idle or whose token expired; re-arms only while sockets remain. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    let next = Infinity;
    for (const [ws, state] of this.#live()) {
      const facts = this.#liveness(ws, state);
      const due = dueForClose(facts, now, this.#idleMs);
      if (due) this.#close(ws, state, due.code, due.reason);
      else next = Math.min(next, nextDeadline(facts, this.#idleMs));
    }
    if (next !== Infinity) await this.ctx.storage.setAlarm(next);
  }

  // ---- RPC from the worker ----

  /** Room info for `GET /rooms/:room`. */
  info(room: string): RoomInfo {
    const live = this.#live();
    return {
      room,
      epoch: this.#history.epoch,
      seq: this.#history.seq,
      connections: live.length,
      members: membersOf(live.map(([, s]) => s)),
      history: this.#history.bounds(),
    };
  }

  /** Server-side publish for `POST /rooms/:room/messages`; broadcast to every socket. */
  async publish(
    room: string,
    from: UserRef,
    data: unknown,
    id?: string,
  ): Promise<{ seq: number; duplicate?: true } | { banned: string }> {
    const banned = this.banned(room, from.id);
    if (banned !== null) return { banned };
    const r = await this.#commits.submit({ from, data, id, except: null });
    this.#log("info", { event: "http_publish", room, user: from.id, seq: r.seq, duplicate: r.duplicate });
    return r.duplicate ? { seq: r.seq, duplicate: true } : { seq: r.seq };
  }

  /** `POST /rooms/:room/kick`: closes the user's sockets with 4403 and, for banSeconds > 0, stores a ban. */
  kick(room: string, user: string, banSeconds: number, reason: string | undefined): KickResult {
    const now = Date.now();
    if (banSeconds > 0) this.#bans.ban(user, now + banSeconds * 1000, reason ?? null);
    const why = kickReason(reason, banSeconds);
    let closed = 0;
    for (const ws of this.ctx.getWebSockets(userTag(user))) {
      const state = readState(ws);
      if (!isOpen(ws) || state === null || state.gone) continue;
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

  // ---- live-room hooks (signals, presence state, refresh) ----

  /** A signal: own bucket, needs write, relayed at once and never stored. */
  #signal(ws: WebSocket, state: SocketState, frame: SignalSendFrame, now: number): void {
    const verdict = this.#signals.admit(state.cid, now);
    if (verdict !== "relay") {
      const rate = this.#settings.signalRatePerSecond;
      if (verdict === "drop_and_tell") {
        sendError(ws, "rate_limited", `more than ${rate} signals per second (burst ${2 * rate}): dropped`);
      }
      return;
    }
    if (!state.caps.includes("write")) {
      sendError(ws, "forbidden", "signal needs the 'write' capability");
      return;
    }
    const text = signalFrame({ id: state.uid, name: state.name }, frame.data, now);
    if (frame.to === undefined) this.#broadcast(text, ws);
    else for (const t of this.ctx.getWebSockets(userTag(frame.to))) if (isOpen(t)) trySend(t, text);
  }

  /** Sets the user's presence state on each of the user's sockets and tells everyone else. */
  #setState(ws: WebSocket, state: SocketState, data: unknown): void {
    const checked = checkState(data);
    if (!checked.ok) {
      sendError(ws, "too_large", checked.message);
      return;
    }
    for (const s of this.ctx.getWebSockets(userTag(state.uid))) {
      const st = s === ws ? state : readState(s);
      if (st === null || st.gone) continue;
      st.presence = checked.value;
      writeState(s, st);
    }
    const members = membersOf(this.#live().map(([, s]) => s)).length;
    this.#broadcast(updateFrame({ id: state.uid, name: state.name }, checked.value, members), ws);
  }

  /** In-band refresh: on success this connection's exp, name and capabilities are replaced. */
  async #refresh(ws: WebSocket, frame: RefreshFrame): Promise<void> {
    const before = readState(ws);
    if (before === null) return;
    const room = before.room ?? this.ctx.id.name ?? "";
    const outcome = await checkRefresh(frame.token, this.env.AUTH_SECRET, { uid: before.uid, room });
    if (!outcome.ok) return sendError(ws, outcome.code, outcome.message);
    const state = readState(ws); // read again: other frames may have run while the token was checked
    if (state === null || state.gone || !isOpen(ws)) return;
    state.exp = outcome.exp * 1000;
    state.name = outcome.name;
    state.caps = outcome.capabilities;
    writeState(ws, state);
    const answer: RefreshedFrame = {
      type: "refreshed",
      exp: outcome.exp,
      capabilities: outcome.capabilities,
    };
    trySend(ws, JSON.stringify(answer));
    this.#log("info", { event: "refresh", room, conn: state.cid, user: state.uid, exp: outcome.exp });
    await this.#armAlarm(nextDeadline(this.#liveness(ws, state), this.#idleMs));
  }

  // ---- internals ----

  get #idleMs(): number {
    return this.#settings.idleTimeoutSeconds * 1000;
  }

  /** Open sockets that the server has not closed, with their state. */
  #live(): [WebSocket, SocketState][] {
    const out: [WebSocket, SocketState][] = [];
    for (const ws of this.ctx.getWebSockets()) {
      if (!isOpen(ws)) continue;
      const s = readState(ws);
      if (s !== null && !s.gone) out.push([ws, s]);
    }
    return out;
  }

  /** Stores (or finds the duplicate of) a message and broadcasts it to everyone but `except`. */
  #store({ from, data, id, except }: PublishRequest): PublishResult {
    if (id !== undefined) {
      const seq = this.#history.findDuplicate(from.id, id);
      if (seq !== null) return { seq, duplicate: true };
    }
    const { seq, frame } = this.#history.append(from.id, id, (seq) => {
      const msg: MessageFrame = {
        type: "message",
        seq,
        ...(id !== undefined ? { id } : {}),
        from,
        data,
        ts: Date.now(),
      };
      return JSON.stringify(msg);
    });
    this.#outbox.add(frame, except);
    return { seq, duplicate: false };
  }

  #broadcast(frame: string | ArrayBuffer, except: WebSocket | null): void {
    for (const ws of this.ctx.getWebSockets()) {
      if (ws !== except && isOpen(ws)) trySend(ws, frame);
    }
  }

  #presence(event: "join" | "leave", user: UserRef, members: number, except: WebSocket): void {
    const frame: PresenceFrame = { type: "presence", event, user, members };
    this.#broadcast(JSON.stringify(frame), except);
  }

  /** Server-initiated close: announce the departure now, the client's echo is ignored. */
  #close(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    state.gone = true;
    writeState(ws, state);
    try {
      ws.close(code, reason);
    } catch (err) {
      this.#log("warn", { event: "close_failed", conn: state.cid, code, error: String(err) });
    }
    // #depart fails only when storage does (deleting the alarm): log that instead of leaving it unhandled.
    this.#depart(ws, state, code, reason).catch((err: unknown) => {
      this.#log("warn", { event: "depart_failed", conn: state.cid, code, error: String(err) });
    });
  }

  /** A socket left: presence leave if it was the user's last one; no alarm once the room is empty. */
  async #depart(ws: WebSocket, state: SocketState, code: number, reason: string): Promise<void> {
    if (!state.gone) {
      state.gone = true;
      try {
        writeState(ws, state);
      } catch {
        // the socket is already gone; its state goes with it
      }
    }
    const remaining = this.#live().filter(([s]) => s !== ws);
    this.#log("info", { event: "close", conn: state.cid, user: state.uid, code, reason });
    if (!remaining.some(([, s]) => s.uid === state.uid)) {
      const members: Member[] = membersOf(remaining.map(([, s]) => s));
      this.#presence("leave", { id: state.uid, name: state.name }, members.length, ws);
    }
    if (remaining.length === 0) await this.ctx.storage.deleteAlarm();
  }

  /** Last activity: frames we handled, or pings the runtime answered while the room slept. */
  #liveness(ws: WebSocket, s: SocketState): Liveness {
    const pinged = this.ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return { lastActive: Math.max(s.seen, pinged), expiresAt: s.exp };
  }

  /** Moves the alarm earlier if this deadline comes first. */
  async #armAlarm(at: number): Promise<void> {
    const current = await this.ctx.storage.getAlarm();
    if (current === null || at < current) await this.ctx.storage.setAlarm(at);
  }
}
