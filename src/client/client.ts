// The reconnecting room client: one socket at a time, backoff, diagnosis, resume, queue and keepalive.

import { errorMessage } from "../shared/errors.ts";
import type { Member, ServerFrame, SyncedFrame, UserRef, WelcomeFrame } from "../shared/protocol.ts";
import { CloseCode, type HistoryPage, MAX_HISTORY_PAGE, PONG } from "../shared/protocol.ts";
import { closeDecision } from "./connection/close-policy.ts";
import { diagnose } from "./connection/diagnose.ts";
import { Reconnector } from "./connection/reconnect.ts";
import {
  type Connection,
  openConnection,
  sendBinaryFrame,
  sendDirect,
  sendSignal,
  sendState,
  stateSizeError,
} from "./connection/socket.ts";
import { TokenRefresher } from "./connection/token-refresh.ts";
import { authCheckUrl } from "./connection/url.ts";
import { Emitter } from "./emitter.ts";
import { type ClientSettings, checkId, clientSettings } from "./options.ts";
import { parseServerFrame } from "./stream/frames.ts";
import { fetchHistory, historyUrl } from "./stream/history.ts";
import { newId } from "./stream/ids.ts";
import { applyPresence, expandDiff } from "./stream/members.ts";
import { Pacer } from "./stream/pacer.ts";
import { PublishQueue } from "./stream/publish-queue.ts";
import { ResumeState } from "./stream/resume.ts";
import type { ClientEvents, ConnectionState, ConnectOptions, RoomClient } from "./types.ts";
import { RoomcastError } from "./types.ts";

/** How long an `overloaded` publish waits before it is sent again (same id). */
const OVERLOADED_RETRY_MS = 1000;

/** The RoomClient behind `connect()`. */
export class Client implements RoomClient {
  readonly #events = new Emitter<ClientEvents>();
  readonly #options: ClientSettings;
  readonly #queue: PublishQueue;
  readonly #stream: ResumeState;
  #current: ConnectionState = { status: "connecting", attempt: 0 };
  /** Bumped whenever a socket is abandoned: events of older sockets are ignored. */
  #generation = 0;
  #conn: Connection | null = null;
  #welcomeFrame: WelcomeFrame | null = null;
  #memberList: Member[] = [];
  readonly #reconnector: Reconnector;
  readonly #readyPromise: Promise<void>;
  #settleReady: { resolve: () => void; reject: (e: RoomcastError) => void } | null = null;
  /** Frames held while a replay cut short by the server's budget is completed over HTTP. */
  #catchingUp: ServerFrame[] | null = null;
  /** The token the current connection opened with. */
  #token: string | null = null;
  /** A token the server accepted in band, used for reconnects when the token source is a string. */
  #acceptedToken: string | null = null;
  /** The token the server last refused with 401; a token function that returns it again ends the client. */
  #refusedToken: string | null = null;
  /** The presence state the app set, restored after every reconnect (`undefined`: never set). */
  #myState: unknown;
  readonly #refresher: TokenRefresher;

  constructor(options: ConnectOptions) {
    const o = clientSettings(options);
    this.#options = o;
    this.#reconnector = new Reconnector(o.backoff, o.random, () => void this.#attempt());
    this.#queue = new PublishQueue({ limit: o.queueLimit, ackTimeoutMs: o.ackTimeoutMs });
    this.#stream = new ResumeState(o.epoch, o.since);
    const source = o.token;
    this.#refresher = new TokenRefresher({
      token: typeof source === "function" ? source : () => this.#acceptedToken ?? source,
      auto: typeof source === "function",
      send: (frame) => this.#openConnection("refresh").send(JSON.stringify(frame)),
      onAccepted: (token) => {
        this.#token = token;
        if (typeof source !== "function") this.#acceptedToken = token;
      },
      onRefused: (error) => {
        // The server kept the old token; reconnecting fetches a new one through the normal door.
        this.#emitError(error);
        this.#conn?.abandon(`token refresh refused: ${error.message}`);
      },
      onError: (error) => this.#emitError(error),
      now: () => Date.now(),
    });
    this.#readyPromise = new Promise<void>((resolve, reject) => {
      this.#settleReady = { resolve, reject };
    });
    // Marks the promise handled: an app that never calls ready() gets no unhandled rejection on close.
    this.#readyPromise.catch(() => undefined);
    // attempt() and onClose() never reject: a failing token function and fetch are caught, and the
    // emitter catches listener errors. Hence `void` at their call sites.
    void this.#attempt();
  }

  get state(): ConnectionState {
    return this.#current;
  }
  get user(): UserRef | null {
    return this.#welcomeFrame?.user ?? null;
  }
  get members(): Member[] {
    return [...this.#memberList];
  }
  get epoch(): string | null {
    return this.#stream.epoch;
  }
  get seq(): number | null {
    return this.#stream.seq;
  }

  on<K extends keyof ClientEvents>(event: K, listener: (payload: ClientEvents[K]) => void): () => void {
    return this.#events.on(event, listener);
  }

  ready(): Promise<void> {
    return this.#readyPromise;
  }

  publish(data: unknown, options?: { id?: string }): Promise<number> {
    const id = options?.id ?? newId();
    const bad = checkId(id);
    if (bad) return Promise.reject(bad);
    if (this.#current.status === "closed") {
      return Promise.reject(new RoomcastError("closed", "the client is closed", { id }));
    }
    return this.#queue.enqueue(data, id);
  }

  direct(to: string, data: unknown): string {
    const id = newId();
    sendDirect(this.#openConnection("direct"), to, data, id);
    return id;
  }

  refresh(token?: string): void {
    this.#openConnection("refresh");
    this.#refresher.refreshNow(token);
  }

  signal(data: unknown, options?: { to?: string }): void {
    sendSignal(this.#openConnection("signal"), data, options?.to);
  }

  setState(data: unknown): void {
    const bad = stateSizeError(data);
    if (bad) throw bad;
    if (this.#current.status === "closed") throw new RoomcastError("closed", "the client is closed");
    this.#myState = data ?? null;
    const conn = this.#conn;
    if (this.#current.status === "open" && conn?.isOpen()) sendState(conn, data);
  }

  sendBinary(data: ArrayBuffer | Uint8Array): void {
    sendBinaryFrame(this.#openConnection("sendBinary"), data);
  }

  /**
   * Scroll-back: up to `limit` (1–1,000, default 100) retained messages before seq `before` (or the
   * newest), newest first, over HTTP. `more: false` means the oldest retained message was reached.
   */
  async history(options: { before?: number; limit?: number } = {}): Promise<HistoryPage> {
    const source = this.#options.token;
    const token = this.#token ?? (typeof source === "function" ? await source() : source);
    const url = historyUrl(this.#options.base, this.#options.room, {
      before: options.before,
      limit: options.limit,
      epoch: this.#stream.epoch ?? undefined,
    });
    return fetchHistory(this.#options.fetch, url, token);
  }

  close(code: number = CloseCode.NORMAL, reason = "client closed"): void {
    if (this.#current.status === "closed") return;
    this.#finish(code, reason);
  }

  // ---- connecting ----

  async #attempt(): Promise<void> {
    const gen = ++this.#generation;
    this.#moveTo({ status: "connecting", attempt: this.#reconnector.failures });
    let token: string;
    try {
      const source = this.#options.token;
      token = typeof source === "function" ? await source() : (this.#acceptedToken ?? source);
    } catch (err) {
      if (gen !== this.#generation) return;
      this.#emitError(
        new RoomcastError("unauthorized", `token function failed: ${errorMessage(err)}`, { cause: err }),
      );
      this.#retry(CloseCode.ABNORMAL, "token function failed");
      return;
    }
    if (gen !== this.#generation) return;
    if (token === this.#refusedToken) {
      // A fixed token behind a function (useRoom wraps every token in one) cannot get better: stop.
      const error = new RoomcastError(
        "unauthorized",
        "the server refused this token and the token source returned it again: give the client a new token",
      );
      this.#finish(CloseCode.ABNORMAL, "token refused", error);
      return;
    }
    this.#refusedToken = null;
    this.#token = token;
    this.#conn = openConnection({
      base: this.#options.base,
      room: this.#options.room,
      token,
      resume: this.#stream.resumePoint(),
      rewind: this.#options.rewind,
      createWebSocket: this.#options.createWebSocket,
      connectTimeoutMs: this.#options.connectTimeoutMs,
      onText: (text) => {
        if (gen === this.#generation) this.#onText(text);
      },
      onBinary: (data) => {
        if (gen === this.#generation) this.#events.emit("binary", data);
      },
      onBadFrame: (problem) => this.#emitError(new RoomcastError("bad_frame", problem)),
      onClose: (code, reason, opened) => {
        if (gen === this.#generation) void this.#onClose(code, reason, opened, token);
      },
    });
  }

  async #onClose(code: number, reason: string, opened: boolean, token: string): Promise<void> {
    this.#dropConnection();
    const gen = this.#generation;
    if (opened) {
      const d = closeDecision(code, reason, typeof this.#options.token === "function");
      if (d.action === "stop") this.#finish(code, reason, d.error);
      else this.#retry(code, reason);
      return;
    }
    // Failed before opening: a browser sees only 1006, so ask the server what it would have said.
    const d = await diagnose(
      this.#options.fetch,
      authCheckUrl(this.#options.base, this.#options.room),
      token,
    );
    if (gen !== this.#generation) return;
    if (d.kind === "fatal") return this.#finish(code, reason, d.error);
    if (d.kind === "unauthorized") {
      if (typeof this.#options.token !== "function") return this.#finish(code, reason, d.error);
      this.#refusedToken = token;
      this.#emitError(d.error);
    }
    this.#retry(code, reason, d.kind === "retry" ? d.afterMs : undefined);
  }

  /** Reconnects after the backoff, and never before the server's Retry-After (`minDelayMs`). */
  #retry(code: number, reason: string, minDelayMs?: number): void {
    const plan = this.#reconnector.schedule(minDelayMs);
    if ("giveUp" in plan) {
      const error = new RoomcastError(
        "network",
        `gave up after ${plan.failures} reconnect attempts (${code} ${reason})`,
        { closeCode: code },
      );
      this.#finish(code, reason, error);
      return;
    }
    this.#moveTo({ status: "reconnecting", attempt: plan.attempt, delayMs: plan.delayMs, code, reason });
  }

  /** Abandons the current socket (already closed, or being closed by us) and its timers. */
  #dropConnection(): void {
    this.#generation++;
    this.#catchingUp = null;
    this.#refresher.stop();
    this.#queue.detach();
    this.#conn?.dispose();
    this.#conn = null;
  }

  #finish(code: number, reason: string, error?: RoomcastError): void {
    const conn = this.#conn;
    // Drop first: a socket may report its close synchronously, and that report must be ignored.
    this.#dropConnection();
    conn?.close(code, reason);
    this.#reconnector.dispose();
    const why = error ? `: ${error.message}` : "";
    this.#queue.rejectAll(
      (id) => new RoomcastError("closed", `the client closed${why}`, { closeCode: code, id }),
    );
    this.#settleReady?.reject(
      error ?? new RoomcastError("closed", `the client closed before syncing${why}`, { closeCode: code }),
    );
    this.#settleReady = null;
    this.#moveTo(error ? { status: "closed", code, reason, error } : { status: "closed", code, reason });
    if (error) this.#emitError(error);
  }

  // ---- receiving ----

  #onText(text: string): void {
    if (text === PONG) return;
    const parsed = parseServerFrame(text);
    if (!parsed.ok) {
      this.#emitError(new RoomcastError("bad_frame", `bad frame from server: ${parsed.problem}`));
      return;
    }
    // Answered on arrival, even while a catch-up holds live frames back: the frames before the mark
    // have been read off the socket (the server closes a socket that leaves too much unconfirmed, 4413).
    if (parsed.frame.type === "mark") {
      try {
        this.#conn?.send(JSON.stringify({ type: "read", n: parsed.frame.n }));
      } catch {
        // closing: the reconnect starts a fresh count
      }
      return;
    }
    this.#onFrame(parsed.frame);
  }

  #onFrame(frame: ServerFrame): void {
    // While pages fetched over HTTP fill in a replay cut short (synced.more), live frames wait.
    if (this.#catchingUp !== null) {
      this.#catchingUp.push(frame);
      return;
    }
    switch (frame.type) {
      case "welcome": {
        // Protocol 2: a welcome that replays nothing carries its `synced`; read it as the frame after.
        const { synced, ...welcome } = frame;
        const gen = this.#generation;
        this.#conn?.welcomed(welcome.limits);
        this.#welcomeFrame = welcome;
        this.#memberList = welcome.members.map((m) => ({ ...m }));
        this.#stream.welcome(welcome.epoch);
        this.#events.emit("welcome", welcome);
        this.#events.emit("members", this.members);
        this.#moveTo({ status: "open" });
        if (synced !== undefined && gen === this.#generation) this.#onSynced({ type: "synced", ...synced });
        return;
      }
      case "synced":
        this.#onSynced(frame);
        return;
      case "message": {
        const mine =
          frame.from.id === this.user?.id && frame.id !== undefined && this.#queue.ack(frame.id, frame.seq);
        if (this.#stream.receive(frame.seq, mine) === "deliver") this.#events.emit("message", frame);
        return;
      }
      case "batch": {
        // Unpacked as if each message had come alone; stop if a listener closed or dropped this socket.
        const gen = this.#generation;
        for (const m of frame.messages) {
          if (gen !== this.#generation) return;
          this.#onFrame(m);
        }
        return;
      }
      case "ack":
        if (frame.id !== null && this.#queue.ack(frame.id, frame.seq)) {
          this.#stream.ownAck(frame.seq);
          this.#events.emit("ack", frame);
        }
        return;
      case "direct":
        this.#events.emit("direct", frame);
        return;
      case "signal":
        this.#events.emit("signal", frame);
        return;
      case "refreshed":
        this.#refresher.refreshed(frame.exp);
        this.#events.emit("refreshed", frame);
        return;
      case "presence":
        // A batch connection gets joins and leaves coalesced: read them as if sent one by one.
        for (const f of frame.event === "diff" ? expandDiff(frame) : [frame]) {
          this.#memberList = applyPresence(this.#memberList, f);
          this.#events.emit("presence", f);
        }
        this.#events.emit("members", this.members);
        return;
      case "error": {
        const error = new RoomcastError(frame.code, frame.message, { id: frame.id });
        // Only a refresh is answered with unauthorized; a forbidden without id may be its refusal too.
        const refusal =
          frame.code === "unauthorized" || (frame.code === "forbidden" && frame.id === undefined);
        if (refusal && this.#refresher.refused(error)) return;
        // The room's publish queue was full: the same publish (same id) goes again a little later.
        if (frame.code === "overloaded" && frame.id !== undefined) {
          if (this.#queue.retryLater(frame.id, OVERLOADED_RETRY_MS)) return;
        }
        if (frame.id === undefined || !this.#queue.fail(frame.id, error)) this.#emitError(error);
        return;
      }
    }
  }

  /**
   * The replay stopped at the server's budget: fetch `next…seq` over HTTP history, deliver it in order,
   * then the live frames that arrived meanwhile. A failed fetch drops the connection: the reconnect
   * resumes from the last message delivered.
   */
  async #catchUp(frame: SyncedFrame): Promise<void> {
    const gen = this.#generation;
    this.#catchingUp = [];
    try {
      let after = (frame.next ?? frame.seq + 1) - 1;
      while (after < frame.seq) {
        const url = historyUrl(this.#options.base, this.#options.room, {
          after,
          epoch: this.#stream.epoch ?? undefined,
          limit: MAX_HISTORY_PAGE,
        });
        const page = await fetchHistory(this.#options.fetch, url, this.#token ?? "");
        if (gen !== this.#generation) return;
        const held: ServerFrame[] | null = this.#catchingUp;
        this.#catchingUp = null;
        for (const m of page.messages) if (m.seq <= frame.seq) this.#onFrame(m);
        this.#catchingUp = held;
        const last = page.messages.at(-1)?.seq;
        if (!page.more || last === undefined) break;
        after = last;
      }
    } catch (err) {
      if (gen !== this.#generation) return;
      this.#catchingUp = null;
      this.#emitError(err instanceof RoomcastError ? err : new RoomcastError("network", String(err)));
      this.#conn?.abandon("history catch-up failed");
      return;
    }
    if (gen !== this.#generation) return;
    const held = this.#catchingUp ?? [];
    this.#catchingUp = null;
    this.#finishSynced(frame);
    for (const f of held) {
      if (gen !== this.#generation) return;
      this.#onFrame(f);
    }
  }

  #onSynced(frame: SyncedFrame): void {
    if (frame.more) {
      void this.#catchUp(frame); // never rejects: failures are caught and end in a reconnect
      return;
    }
    this.#finishSynced(frame);
  }

  #finishSynced(frame: SyncedFrame): void {
    const { seq, replayed, gap } = frame;
    const conn = this.#conn;
    const welcome = this.#welcomeFrame;
    if (!conn || !welcome) {
      this.#emitError(new RoomcastError("bad_frame", "synced before welcome"));
      return;
    }
    this.#stream.synced(frame);
    this.#reconnector.succeeded();
    const limits = welcome.limits;
    conn.startKeepalive(limits, this.#options.pongTimeoutMs);
    const pacer = conn.pacer ?? new Pacer(limits.ratePerSecond, Date.now());
    this.#queue.attach({ send: (text) => conn.send(text), pacer, maxMessageBytes: limits.maxMessageBytes });
    if (this.#myState !== undefined) sendState(conn, this.#myState);
    if (this.#token !== null) this.#refresher.start(this.#token);
    this.#events.emit("synced", { seq, replayed, gap });
    this.#settleReady?.resolve();
    this.#settleReady = null;
  }

  // ---- helpers ----

  #openConnection(what: string): Connection {
    const conn = this.#conn;
    if (this.#current.status !== "open" || !conn || !conn.isOpen()) {
      throw new RoomcastError(
        "closed",
        `${what}() needs an open connection (state: ${this.#current.status}); it is not queued`,
      );
    }
    return conn;
  }

  #moveTo(state: ConnectionState): void {
    // Closed is final, even when the app calls close() from a listener in the middle of a frame.
    if (this.#current.status === "closed") return;
    this.#current = state;
    this.#events.emit("state", state);
  }

  #emitError(error: RoomcastError): void {
    this.#events.emit("error", error);
  }
}
