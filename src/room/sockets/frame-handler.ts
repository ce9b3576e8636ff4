// What the socket host does with a client frame: the gate (expiry, size, the frame's bucket), then,
// parsed only once it passed, the capability check and the handler (publish, direct, signal, presence
// state, in-band refresh). What a publish, direct or signal reaches is the owner's (a room or a shard).
import type { Log } from "../../server/logger.ts";
import type { Settings } from "../../server/settings.ts";
import { errorMessage } from "../../shared/errors.ts";
import { type AckFrame, type ClientFrame, CloseCode, type DirectFrame } from "../../shared/protocol.ts";
import type { PublishOutcome } from "../log/message-log.ts";
import { checkState, storeOnSockets } from "../presence/user-state.ts";
import { parseClientFrame } from "./frames/client-frames.ts";
import { admissible, chargeFrame, chargeSignal, type GateVerdict, maybeSignal } from "./frames/frame-gate.ts";
import { SignalLimiter, signalFrame } from "./frames/signals.ts";
import type { HostOwner } from "./host-owner.ts";
import { applyRefresh, checkRefresh } from "./refresh.ts";
import type { SendBudget } from "./send-budget.ts";
import type { SocketIndex } from "./socket-index.ts";
import { isOpen, sendError, trySend } from "./socket-io.ts";
import { type SocketState, touchState } from "./socket-state.ts";

/** What the frame handler needs of its socket host. */
export interface FrameHost {
  index(): SocketIndex;
  name(): string | undefined;
  close(ws: WebSocket, state: SocketState, code: number, reason: string): void;
  /** The socket's deadlines changed (a refresh): move the alarm earlier if needed. */
  rearm(ws: WebSocket, state: SocketState): Promise<void>;
  /** What the socket was sent and has not confirmed reading (its `mark`/`read` exchange). */
  budget(): SendBudget;
  warn(event: string, state: SocketState | null | undefined, fields: Record<string, unknown>): void;
}

export class FrameHandler {
  readonly #host: FrameHost;
  readonly #owner: HostOwner;
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #secret: string | undefined;
  readonly #signals: SignalLimiter;

  constructor(host: FrameHost, owner: HostOwner, settings: Settings, log: Log, secret: string | undefined) {
    this.#host = host;
    this.#owner = owner;
    this.#settings = settings;
    this.#log = log;
    this.#secret = secret;
    this.#signals = new SignalLimiter(settings.signalRatePerSecond);
  }

  /** A connection left: its signal bucket goes with it. */
  forget(connectionId: string): void {
    this.#signals.forget(connectionId);
  }

  /** A client frame: expiry and size, its bucket, then (parsed only now) capability and handler. */
  async handle(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    const state = this.#host.index().get(ws);
    if (state === undefined || state.gone) return;
    const now = Date.now();
    const s = this.#settings;
    if (!this.#obey(ws, state, admissible(state, message, now, s))) return;
    touchState(ws, state, now);
    // The answer to the outstanding mark costs no token: a busy publisher must never fall behind for it.
    if (this.#host.budget().answered(ws, message)) return;
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
    if (frame.type === "read") {
      return sendError(ws, "bad_message", `no mark ${frame.n} is waiting for an answer on this connection`);
    }
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
      this.#host.warn("publish_failed", state, { error: r.failed });
      if (this.#host.index().get(ws) === state)
        this.#host.close(ws, state, CloseCode.SERVER_ERROR, "storage failure");
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
    if ("close" in v) this.#host.close(ws, state, v.close, v.reason);
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
    storeOnSockets(this.#host.index(), state.userId, checked.value, checked.chars);
    this.#owner.stateChanged({ id: state.userId, name: state.name }, checked.value, ws);
  }

  /** In-band refresh: on success this connection's exp, name and capabilities are replaced. */
  async #refresh(ws: WebSocket, before: SocketState, token: string): Promise<void> {
    const room = before.room ?? this.#host.name() ?? "";
    const outcome = await checkRefresh(token, this.#secret, {
      userId: before.userId,
      room,
      ...(before.auth ? { auth: before.auth } : {}),
    });
    if (!outcome.ok) return sendError(ws, outcome.code, outcome.message);
    // Looked up again: the socket may have closed while the token was checked.
    const state = this.#host.index().get(ws);
    if (state === undefined || state.gone || !isOpen(ws)) return;
    applyRefresh(ws, state, outcome);
    this.#log("info", {
      event: "refresh",
      room,
      conn: state.connectionId,
      user: state.userId,
      exp: outcome.exp,
    });
    await this.#host.rearm(ws, state);
  }
}
