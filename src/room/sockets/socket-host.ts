// The socket host of a room: every hibernatable socket of a Room or of a sharded room's RoomShard lives
// here, so what a socket sees does not depend on how the room is deployed.
//
// It owns the socket index (members, batch flag), admission (accept, welcome, replay, synced, after
// joins.ts has checked the caps and run onJoin and the owner's plan),
// client frames (through frame-handler.ts: the gate, then publish, direct, signal, state, refresh),
// close and departure (with the close reply and the logs), the alarm (its armed time cached per wake)
// and kick. What differs between deployments is asked of the owner (`HostOwner`): where a
// publish goes, the join's replay, presence, and delivery beyond this object.
//
// Never scan `ctx.getWebSockets()` per connect, close or frame: the index is built once per wake.
import { IDENTITY_HEADER, type Identity } from "../../server/identity.ts";
import type { Log } from "../../server/logger.ts";
import type { Settings } from "../../server/settings.ts";
import { errorMessage, errorResponse } from "../../shared/errors.ts";
import { CloseCode, SYNCED_IN_WELCOME, type SyncedFrame, type UserRef } from "../../shared/protocol.ts";
import { runLeave } from "../hooks/join-leave.ts";
import { resumeRequestOf } from "../log/resume.ts";
import { limitsJson, newSocketState, welcomeText } from "./admission.ts";
import { AlarmClock } from "./alarm-clock.ts";
import { dueForClose, type Liveness, nextDeadline } from "./deadlines.ts";
import { BATCH_TAG, batchRequested, deliverCommit, type Outgoing, sendReplay } from "./fanout.ts";
import { FrameHandler, type FrameHost } from "./frame-handler.ts";
import { reciprocalCode } from "./frames/close-codes.ts";
import type { HostOptions, HostOwner } from "./host-owner.ts";
import { Joins } from "./joins.ts";
import { SendBudget } from "./send-budget.ts";
import { SocketIndex } from "./socket-index.ts";
import { isOpen, trySend } from "./socket-io.ts";
import { readState, type SocketState, userTag, writeState } from "./socket-state.ts";

export class SocketHost {
  /** The room's name: from each forwarded request, or the object's own name after a wake. */
  name: string | undefined;
  readonly #ctx: DurableObjectState;
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #owner: HostOwner;
  readonly #options: HostOptions;
  readonly #frames: FrameHandler;
  #indexed: SocketIndex | null = null;
  readonly #alarm: AlarmClock;
  readonly #budget: SendBudget;
  /** every welcome's `limits`, serialised once */
  readonly #limits: string;
  /** joins before their socket exists: caps, onJoin, the owner's plan, kicks meanwhile */
  readonly #joins: Joins;

  constructor(ctx: DurableObjectState, settings: Settings, log: Log, owner: HostOwner, options: HostOptions) {
    this.#ctx = ctx;
    this.#settings = settings;
    this.#log = log;
    this.#owner = owner;
    this.#options = options;
    this.#alarm = new AlarmClock(ctx.storage, log);
    this.#limits = limitsJson(settings);
    this.#budget = new SendBudget(settings.maxUnreadBytes, (ws, state, reason) => {
      if (this.index.get(ws) === state) this.close(ws, state, CloseCode.TOO_FAR_BEHIND, reason);
    });
    const host: FrameHost = {
      index: () => this.index,
      name: () => this.name,
      close: (ws, state, code, reason) => this.close(ws, state, code, reason),
      rearm: (ws, state) => this.#alarm.arm(nextDeadline(this.#liveness(ws, state), this.#idleMs)),
      warn: (event, state, fields) => this.#warn(event, state, fields),
      budget: () => this.#budget,
    };
    this.#frames = new FrameHandler(host, owner, settings, log, options.secret);
    this.#joins = new Joins(() => this.index, settings, log, owner, options);
    this.name = ctx.id.name;
  }

  /** The socket index, built on first use after each wake (the only full scan of the sockets). */
  get index(): SocketIndex {
    if (this.#indexed === null) {
      this.#indexed = SocketIndex.rebuild(
        this.#ctx
          .getWebSockets()
          .filter(isOpen)
          .map((ws) => [ws, readState(ws), this.#ctx.getTags(ws).includes(BATCH_TAG)] as const),
      );
      for (const [ws, state] of this.#indexed.entries()) this.#budget.track(ws, state);
    }
    return this.#indexed;
  }

  /** Upgrades still waiting for their plan. */
  get joining(): number {
    return this.#joins.inFlight;
  }

  /** @internal Test seam: while set, each upgrade waits for it after its plan (a window for a kick). */
  set holdJoins(gate: Promise<void> | null) {
    this.#joins.hold = gate;
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
    const admitted = await this.#joins.admit(who, resume);
    if (admitted instanceof Response) return admitted;
    // From here to the accept, one turn: no other join can take the place the caps saw free.
    const late = this.#joins.recheck(who, admitted);
    if (late !== null) return late;
    const { plan, greeted } = admitted;

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
    this.#budget.track(server, state);
    const first = index.add(server, state, batch);
    const room = {
      epoch: plan.epoch,
      seq: plan.seq,
      membersJson: index.membersJson(this.#options.listed),
      membersTotal: plan.elsewhere + index.userCount,
    };
    // Protocol 2 and nothing to replay: one frame says both (a frame less per connect in a storm).
    const inline = plan.replay === null && url.searchParams.get("v") === SYNCED_IN_WELCOME;
    const synced = inline ? { seq: plan.seq, gap: plan.gap, replayed: 0, more: false } : undefined;
    // Counted against the send budget like every frame (its floor leaves room for a whole replay).
    trySend(server, welcomeText(who, state, room, this.#limits, synced));
    const replayed = plan.replay?.((frames) => sendReplay(server, frames, batch)) ?? {
      replayed: 0,
      more: false,
    };
    if (!inline) {
      const frame: SyncedFrame = { type: "synced", seq: plan.seq, gap: plan.gap, ...replayed };
      trySend(server, JSON.stringify(frame));
    }
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
    const owned = this.#owner.alarmAt?.() ?? Number.POSITIVE_INFINITY;
    await this.#alarm.arm(Math.min(nextDeadline(this.#liveness(server, state), this.#idleMs), owned));
    // Built only when it is written: LOG_LEVEL=warn (the default) drops "info" events.
    if (s.logLevel === "info") {
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
    }
    return new Response(null, { status: 101, webSocket: client });
  }

  /** A client frame: expiry and size, its bucket, then (parsed only now) capability and handler. */
  message(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.#frames.handle(ws, message);
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
    const owned = (await this.#owner.alarmed?.()) ?? Number.POSITIVE_INFINITY;
    if (next !== Number.POSITIVE_INFINITY) await this.#alarm.set(Math.min(next, owned));
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
    this.#joins.kicked(user);
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
    this.#options.metrics.delivered(deliverCommit(index.sockets(), () => index.batched, messages, trySend));
  }

  /** @internal The live sockets and their in-memory state (for tests that age a socket). */
  liveSockets(): [WebSocket, SocketState][] {
    return [...this.index.entries()];
  }

  // ---- internals ----

  get #idleMs(): number {
    return this.#settings.idleTimeoutSeconds * 1000;
  }

  /** A socket left: O(1) index update, the owner told, the alarm dropped once the host is empty. */
  #depart(ws: WebSocket, state: SocketState, code: number, reason: string): void {
    state.gone = true;
    try {
      writeState(ws, state);
    } catch {
      // the socket is already gone; its state goes with it
    }
    this.#frames.forget(state.connectionId);
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
    this.#options.metrics.closed(code);
    this.#owner.disconnected(ws, state, last);
    if (last) this.#left({ id: state.userId, name: state.name });
    if (index.size === 0 && this.#joins.inFlight === 0) {
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
