// The socket host of a room: every hibernatable socket of a Room or of a sharded room's RoomShard lives
// here, so what a socket sees does not depend on how the room is deployed.
//
// It owns the socket index (members, batch flag), admission (caps, accept, welcome, replay, synced),
// the per-frame checks (expiry, size, rate, refused streak) and the dispatch of client frames, close
// and departure (with the close reply and the logs), the alarm (its armed time cached per wake), kick,
// refresh and signals. What differs between deployments is asked of the owner (`HostOwner`): where a
// publish goes, the join's replay, presence, and delivery beyond this object.
//
// Never scan `ctx.getWebSockets()` per connect, close or frame: the index is built once per wake.
import { IDENTITY_HEADER, type Identity } from "../../server/identity.ts";
import type { Log } from "../../server/logger.ts";
import type { Settings } from "../../server/settings.ts";
import { errorMessage, errorResponse } from "../../shared/errors.ts";
import {
  type AckFrame,
  type ClientFrame,
  CloseCode,
  type DirectFrame,
  type SyncedFrame,
  type UserRef,
} from "../../shared/protocol.ts";
import { joinVerdict, runLeave } from "../hooks/join-leave.ts";
import type { PublishOutcome } from "../log/message-log.ts";
import { resumeRequestOf } from "../log/resume.ts";
import { checkState, storeOnSockets } from "../presence/user-state.ts";
import { capped, newSocketState, welcomeFrame } from "./admission.ts";
import { AlarmClock } from "./alarm-clock.ts";
import { dueForClose, type Liveness, nextDeadline } from "./deadlines.ts";
import { BATCH_TAG, batchRequested, deliverCommit, type Outgoing, sendReplay } from "./fanout.ts";
import { parseClientFrame } from "./frames/client-frames.ts";
import { reciprocalCode } from "./frames/close-codes.ts";
import { admissible, chargeFrame, chargeSignal, type GateVerdict, maybeSignal } from "./frames/frame-gate.ts";
import { SignalLimiter, signalFrame } from "./frames/signals.ts";
import type { HostOptions, HostOwner, JoinPlan } from "./host-owner.ts";
import { applyRefresh, checkRefresh } from "./refresh.ts";
import { SocketIndex } from "./socket-index.ts";
import { isOpen, sendError, trySend } from "./socket-io.ts";
import { readState, type SocketState, touchState, userTag, writeState } from "./socket-state.ts";

export class SocketHost {
  /** The room's name: from each forwarded request, or the object's own name after a wake. */
  name: string | undefined;
  readonly #ctx: DurableObjectState;
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #owner: HostOwner;
  readonly #options: HostOptions;
  readonly #signals: SignalLimiter;
  #indexed: SocketIndex | null = null;
  readonly #alarm: AlarmClock;
  /** upgrades waiting for their owner's plan: the host is not empty while one is */
  #joining = 0;
  /** kicks so far, and per user the number of their last kick (while joins are in flight) */
  #kicks = 0;
  readonly #kickedAt = new Map<string, number>();
  /** @internal Test seam: while set, each upgrade waits for it after its plan (a window for a kick). */
  holdJoins: Promise<void> | null = null;

  constructor(ctx: DurableObjectState, settings: Settings, log: Log, owner: HostOwner, options: HostOptions) {
    this.#ctx = ctx;
    this.#settings = settings;
    this.#log = log;
    this.#owner = owner;
    this.#options = options;
    this.#signals = new SignalLimiter(settings.signalRatePerSecond);
    this.#alarm = new AlarmClock(ctx.storage, log);
    this.name = ctx.id.name;
  }

  /** The socket index, built on first use after each wake (the only full scan of the sockets). */
  get index(): SocketIndex {
    this.#indexed ??= SocketIndex.rebuild(
      this.#ctx
        .getWebSockets()
        .filter(isOpen)
        .map((ws) => [ws, readState(ws), this.#ctx.getTags(ws).includes(BATCH_TAG)] as const),
    );
    return this.#indexed;
  }

  /** Upgrades still waiting for their plan. */
  get joining(): number {
    return this.#joining;
  }

  // ---- the platform's entry points ----

  /** An upgrade forwarded by the worker with the identity it verified. */
  async admit(req: Request): Promise<Response> {
    const raw = req.headers.get(IDENTITY_HEADER);
    if (raw === null || req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return errorResponse(
        400,
        "bad_request",
        "rooms accept only WebSocket upgrades forwarded by the worker",
      );
    }
    const who = JSON.parse(decodeURIComponent(raw)) as Identity;
    this.name = who.room;
    const url = new URL(req.url);
    const resume = resumeRequestOf(url);
    const batch = batchRequested(url);
    const refused = capped(this.index, who, this.#settings, this.#options.where(who.room));
    if (refused !== null) return refused;
    const firstHere = this.index.connectionsOf(who.id) === 0;
    const greeted = await joinVerdict(
      this.#options.hooks(),
      who,
      firstHere,
      this.#options.hookTimeoutMs,
      this.#log,
    );
    if (greeted instanceof Response) return greeted;
    let plan: JoinPlan | Response;
    let kicked = false;
    const kicksBefore = this.#kicks;
    this.#joining++;
    try {
      const pending = this.#owner.plan(who, resume, this.index.size === 0);
      plan = pending instanceof Promise ? await pending : pending;
      if (this.holdJoins) await this.holdJoins;
      // A kick of this user while the plan was asked (its ban check already passed) closed nothing
      // here yet: the join must not slip in after it.
      kicked = (this.#kickedAt.get(who.id) ?? -1) > kicksBefore;
    } finally {
      if (--this.#joining === 0) this.#kickedAt.clear();
    }
    if (plan instanceof Response) return plan;
    if (kicked) {
      return errorResponse(
        403,
        "forbidden",
        `user '${who.id}' was removed from room '${who.room}' while joining`,
      );
    }
    // The caps again: other upgrades may have been admitted while an async plan was asked.
    const late = capped(this.index, who, this.#settings, this.#options.where(who.room));
    if (late !== null) return late;

    const index = this.index;
    const s = this.#settings;
    const { 0: client, 1: server } = new WebSocketPair();
    const state = newSocketState(who, s, Date.now());
    const peer = index.peerOf(who.id);
    if (peer?.presence !== undefined) {
      state.presence = peer.presence;
      if (peer.presenceChars !== undefined) state.presenceChars = peer.presenceChars;
    }
    this.#ctx.acceptWebSocket(server, batch ? [userTag(who.id), BATCH_TAG] : [userTag(who.id)]);
    writeState(server, state);
    const first = index.add(server, state, batch);
    const room = { epoch: plan.epoch, seq: plan.seq, members: index.members(this.#options.listed) };
    const membersTotal = plan.elsewhere + index.userCount;
    server.send(JSON.stringify(welcomeFrame(who, state, { ...room, membersTotal }, s)));
    const replayed = plan.replay?.((frames) => sendReplay(server, frames, batch)) ?? {
      replayed: 0,
      more: false,
    };
    const synced: SyncedFrame = { type: "synced", seq: plan.seq, gap: plan.gap, ...replayed };
    server.send(JSON.stringify(synced));
    // Its welcome listed the members as of now: it gets only the presence changes after this.
    this.#owner.connected(server, state, first, batch);
    if (first)
      this.#options.events.add({
        room: who.room,
        type: "join",
        user: { id: who.id, name: who.name },
        ts: Date.now(),
      });
    for (const send of greeted) void send();
    await this.#alarm.arm(nextDeadline(this.#liveness(server, state), this.#idleMs));
    this.#log("info", {
      event: "connect",
      room: who.room,
      ...this.#options.logFields?.(),
      conn: state.connectionId,
      user: who.id,
      resumed: resume !== null && "since" in resume,
      replayed: replayed.replayed,
      more: replayed.more,
    });
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A client frame: expiry and size, its bucket, then (parsed only now) capability and handler. */
  async message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = this.index.get(ws);
    if (state === undefined || state.gone) return;
    const now = Date.now();
    const s = this.#settings;
    if (!this.#obey(ws, state, admissible(state, message, now, s))) return;
    touchState(ws, state, now);
    if (maybeSignal(message)) {
      if (!this.#obey(ws, state, chargeSignal(state, now, this.#signals, s.signalRatePerSecond))) return;
      if (!state.capabilities.includes("write")) {
        return sendError(ws, "forbidden", "signal needs the 'write' capability");
      }
      const parsed = parseClientFrame(message);
      if (!parsed.ok) return sendError(ws, "bad_message", parsed.message, parsed.id);
      if (parsed.frame.type === "signal") return this.#signal(ws, state, parsed.frame, now);
      // Not a signal after all (its data said "signal"): charged like any other frame too.
    }
    if (!this.#obey(ws, state, chargeFrame(state, now, s.ratePerSecond))) return;
    if (typeof message !== "string") {
      if (!state.capabilities.includes("write")) {
        return sendError(ws, "forbidden", "binary frames need the 'write' capability");
      }
      return this.#owner.binary(ws, state, message);
    }
    const parsed = parseClientFrame(message);
    if (!parsed.ok) return sendError(ws, "bad_message", parsed.message, parsed.id);
    const frame = parsed.frame;
    if (frame.type === "state") return this.#setState(ws, state, frame.data);
    if (frame.type === "refresh") return this.#refresh(ws, state, frame.token);
    if (!state.capabilities.includes("write")) {
      return sendError(
        ws,
        "forbidden",
        `${frame.type} needs the 'write' capability`,
        "id" in frame ? frame.id : undefined,
      );
    }
    if (frame.type === "publish") return this.#publish(ws, state, frame, message.length);
    if (frame.type === "direct") return this.#direct(ws, state, frame, now);
    return this.#signal(ws, state, frame, now);
  }

  /** The client closed: reply in kind (the runtime does not, even with web_socket_auto_reply_to_close). */
  closed(ws: WebSocket, code: number, reason: string): void {
    const state = this.index.get(ws) ?? readState(ws);
    try {
      ws.close(reciprocalCode(code), "");
    } catch (err) {
      // Never leave a half-open socket behind: fall back to a code the runtime always sends.
      this.#warn("close_failed", state, { code, error: errorMessage(err) });
      try {
        ws.close(CloseCode.PROTOCOL_ERROR, "");
      } catch {
        // already closed
      }
    }
    if (state !== null && !state.gone) this.#depart(ws, state, code, reason);
  }

  errored(ws: WebSocket, error: unknown): void {
    const state = this.index.get(ws) ?? readState(ws);
    this.#warn("socket_error", state, { error: errorMessage(error) });
    if (state !== null && !state.gone) this.#depart(ws, state, CloseCode.ABNORMAL, "error");
  }

  /** Closes sockets that went idle or whose token expired (O(n + k)); re-arms while sockets remain. */
  async alarm(): Promise<void> {
    this.#alarm.fired();
    const now = Date.now();
    let next = Number.POSITIVE_INFINITY;
    for (const [ws, state] of [...this.index.entries()]) {
      const facts = this.#liveness(ws, state);
      const due = dueForClose(facts, now, this.#idleMs);
      if (due) this.close(ws, state, due.code, due.reason);
      else next = Math.min(next, nextDeadline(facts, this.#idleMs));
    }
    if (next !== Number.POSITIVE_INFINITY) await this.#alarm.set(next);
  }

  // ---- for the owner ----

  /** Server-initiated close: the departure is announced now, the client's echo is ignored. */
  close(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    try {
      ws.close(code, reason);
    } catch (err) {
      this.#warn("close_failed", state, { code, error: errorMessage(err) });
    }
    this.#depart(ws, state, code, reason);
  }

  /** Closes every socket of one user with 4403 (and refuses their joins in flight); returns how many. */
  kick(user: string, reason: string): number {
    if (this.#joining > 0) this.#kickedAt.set(user, ++this.#kicks);
    let closed = 0;
    for (const ws of [...this.index.socketsOf(user)]) {
      const state = this.index.get(ws);
      if (state === undefined) continue;
      this.close(ws, state, CloseCode.KICKED, reason);
      closed++;
    }
    return closed;
  }

  /** Closes every socket (e.g. 1011 when a sharded room's history lost what they missed). */
  closeAll(code: number, reason: string): void {
    for (const [ws, state] of [...this.index.entries()]) this.close(ws, state, code, reason);
  }

  /** One frame to every socket but `except`. */
  broadcast(frame: string | ArrayBuffer, except: WebSocket | null): void {
    for (const ws of this.index.sockets()) if (ws !== except) trySend(ws, frame);
  }

  /** One frame to every socket of a user here; returns how many. */
  toUser(user: string, frame: string): number {
    let reached = 0;
    for (const ws of this.index.socketsOf(user)) {
      trySend(ws, frame);
      reached++;
    }
    return reached;
  }

  /** A commit's messages (in seq order): batched sockets get `batch` frames, each publisher none of its own. */
  deliver(messages: readonly Outgoing[]): void {
    const index = this.index;
    deliverCommit(index.sockets(), () => index.batched, messages, trySend);
  }

  /** @internal The live sockets and their in-memory state (for tests that age a socket). */
  liveSockets(): [WebSocket, SocketState][] {
    return [...this.index.entries()];
  }

  // ---- internals ----

  get #idleMs(): number {
    return this.#settings.idleTimeoutSeconds * 1000;
  }

  async #publish(
    ws: WebSocket,
    state: SocketState,
    frame: Extract<ClientFrame, { type: "publish" }>,
    bytes: number,
  ): Promise<void> {
    const p = { from: { id: state.userId, name: state.name }, data: frame.data, id: frame.id };
    let r: PublishOutcome;
    try {
      r = await this.#owner.publish(ws, state, p, bytes);
    } catch (err) {
      r = { failed: errorMessage(err) };
    }
    if ("failed" in r) {
      // Never acked, never broadcast: the client reconnects, resumes and resends with the same id.
      this.#warn("publish_failed", state, { error: r.failed });
      if (this.index.get(ws) === state) this.close(ws, state, CloseCode.SERVER_ERROR, "storage failure");
      return;
    }
    if ("refused" in r) return sendError(ws, r.refused, r.message, frame.id);
    const ack: AckFrame = {
      type: "ack",
      id: frame.id ?? null,
      seq: r.seq,
      ...(r.duplicate ? { duplicate: true as const } : {}),
      ...("data" in r ? { data: r.data } : {}),
    };
    trySend(ws, JSON.stringify(ack)); // the socket may have closed while the write was queued
  }

  async #direct(
    ws: WebSocket,
    state: SocketState,
    frame: Extract<ClientFrame, { type: "direct" }>,
    now: number,
  ): Promise<void> {
    const direct: DirectFrame = {
      type: "direct",
      from: { id: state.userId, name: state.name },
      data: frame.data,
      ts: now,
      ...(frame.id ? { id: frame.id } : {}),
    };
    const reached = await this.#owner.direct(frame.to, JSON.stringify(direct));
    if (reached === 0) sendError(ws, "no_such_user", `user '${frame.to}' is not in this room`, frame.id);
  }

  /** A signal (its bucket and capability already checked): relayed at once and never stored. */
  async #signal(
    ws: WebSocket,
    state: SocketState,
    frame: Extract<ClientFrame, { type: "signal" }>,
    now: number,
  ): Promise<void> {
    const text = signalFrame({ id: state.userId, name: state.name }, frame.data, now);
    await this.#owner.signal(ws, state, text, frame.to);
  }

  /** Carries out a gate's verdict; true when the frame goes on. */
  #obey(ws: WebSocket, state: SocketState, v: GateVerdict): boolean {
    if ("pass" in v) return true;
    if ("close" in v) this.close(ws, state, v.close, v.reason);
    else if ("error" in v) sendError(ws, v.error, v.message);
    return false;
  }

  /** Presence state: stored on each of the user's sockets (attachments included), then the owner is told. */
  #setState(ws: WebSocket, state: SocketState, data: unknown): void {
    const checked = checkState(data);
    if (!checked.ok) {
      sendError(ws, "too_large", checked.message);
      return;
    }
    storeOnSockets(this.index, state.userId, checked.value, checked.chars);
    this.#owner.stateChanged({ id: state.userId, name: state.name }, checked.value, ws);
  }

  /** In-band refresh: on success this connection's exp, name and capabilities are replaced. */
  async #refresh(ws: WebSocket, before: SocketState, token: string): Promise<void> {
    const room = before.room ?? this.name ?? "";
    const outcome = await checkRefresh(token, this.#options.secret, {
      userId: before.userId,
      room,
      ...(before.auth ? { auth: before.auth } : {}),
    });
    if (!outcome.ok) return sendError(ws, outcome.code, outcome.message);
    // Looked up again: the socket may have closed while the token was checked.
    const state = this.index.get(ws);
    if (state === undefined || state.gone || !isOpen(ws)) return;
    applyRefresh(ws, state, outcome);
    this.#log("info", {
      event: "refresh",
      room,
      conn: state.connectionId,
      user: state.userId,
      exp: outcome.exp,
    });
    await this.#alarm.arm(nextDeadline(this.#liveness(ws, state), this.#idleMs));
  }

  /** A socket left: O(1) index update, the owner told, the alarm dropped once the host is empty. */
  #depart(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    state.gone = true;
    try {
      writeState(ws, state);
    } catch {
      // the socket is already gone; its state goes with it
    }
    this.#signals.forget(state.connectionId);
    const index = this.index;
    index.remove(ws, state.userId);
    // Not `remove`'s answer: a socket closing right after a wake is not in the rebuilt index at all.
    const last = index.connectionsOf(state.userId) === 0;
    this.#log("info", {
      event: "close",
      room: this.name,
      ...this.#options.logFields?.(),
      conn: state.connectionId,
      user: state.userId,
      code,
      reason,
    });
    this.#owner.disconnected(ws, state, last);
    if (last) this.#left({ id: state.userId, name: state.name });
    if (index.size === 0 && this.#joining === 0) {
      this.#alarm.clear({ room: this.name, conn: state.connectionId, code });
    }
  }

  /** A user's last socket here closed: the leave event, and the room's `onLeave` (never awaited). */
  #left(user: UserRef): void {
    const room = this.name ?? "";
    this.#options.events.add({ room, type: "leave", user, ts: Date.now() });
    runLeave(this.#options.hooks(), room, user, this.#options.hookTimeoutMs, this.#log);
  }

  /** Last activity: frames we handled, or pings the runtime answered while the object slept. */
  #liveness(ws: WebSocket, s: SocketState): Liveness {
    const pinged = this.#ctx.getWebSocketAutoResponseTimestamp(ws)?.getTime() ?? 0;
    return { lastActive: Math.max(s.seen, pinged), expiresAt: s.exp };
  }

  #warn(event: string, state: SocketState | null | undefined, fields: Record<string, unknown>): void {
    this.#log("warn", {
      event,
      room: this.name,
      ...this.#options.logFields?.(),
      conn: state?.connectionId,
      ...fields,
    });
  }
}
