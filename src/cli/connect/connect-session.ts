// One `roomcast connect` session: stdin lines in, room events out, and a clean end (drain, quit, signal).
import { createInterface, type Interface } from "node:readline";
import { type ConnectionState, type RoomClient, RoomcastError } from "../../client/types.ts";
import { errorMessage } from "../../shared/errors.ts";
import { CloseCode } from "../../shared/protocol.ts";
import type { ConnectArgs } from "../args.ts";
import { EXIT } from "../errors.ts";
import { SESSION_HELP } from "../help.ts";
import type { CliIo } from "../io.ts";
import type { SessionOutput } from "./connect-output.ts";
import { parseInput } from "./input.ts";
import { LineQueue } from "./line-queue.ts";
import { describeTransportError } from "./node-transport.ts";
import { type OutputEvent, stateEvent } from "./render.ts";

/** EOF / quit gives up on outstanding publishes after this long without any acknowledgement. */
export const DRAIN_TIMEOUT_MS = 20_000;
/** Unacknowledged publishes at most; further input lines wait (the client library queues up to 1000). */
export const MAX_IN_FLIGHT = 500;
/** Exit code for a second Ctrl-C while closing (128 + SIGINT). */
export const EXIT_INTERRUPTED = 130;

/**
 * Where a session is. `connecting`: the first connection has not opened (a failure ends the session,
 * like wscat). `live`: it opened at least once (later failures are reconnects). `ending`: EOF or /quit
 * (`drain`: held lines are acknowledged first) or Ctrl-C (`now`); after /quit (`inputClosed`) later
 * input lines are not sent. `done`: the exit code is known.
 */
type Phase =
  | { name: "connecting" }
  | { name: "live" }
  | { name: "ending"; how: "drain" | "now"; opened: boolean; inputClosed: boolean }
  | { name: "done" };

export interface SessionOptions {
  args: ConnectArgs;
  io: CliIo;
  client: RoomClient;
  output: SessionOutput;
  /** A terminal session: readline echoes and shows the prompt. */
  interactive: boolean;
  /** The transport's last low-level error, to explain a first connection that never opened. */
  transportError: () => Error | null;
}

/**
 * Feeds input lines to the client (held until the first sync, and while MAX_IN_FLIGHT publishes await
 * acks, pausing stdin meanwhile) and renders the client's events. It ends when the client closes, on
 * EOF or /quit after every held line is acknowledged (`drain`), or on Ctrl-C at once (`now`).
 */
export class ConnectSession {
  readonly #options: SessionOptions;
  readonly #client: RoomClient;
  readonly #out: SessionOutput;
  readonly #lines: LineQueue;
  /** Publishes not yet acknowledged or refused. */
  readonly #pending = new Set<Promise<void>>();
  /** Publishes settled so far: a drain keeps waiting while this moves. */
  #settled = 0;
  readonly #subscriptions: (() => void)[] = [];
  #rl: Interface | null = null;
  /** stdin is paused because enough lines are held. */
  #paused = false;
  #phase: Phase = { name: "connecting" };
  /** Lines that were not delivered, and a drain that gave up: the exit code of a drain is 1. */
  #failures = 0;
  /** The last error event, to explain a first connection that never opened. */
  #lastError: RoomcastError | null = null;
  #resolve: (code: number) => void = () => undefined;

  constructor(options: SessionOptions) {
    this.#options = options;
    this.#client = options.client;
    this.#out = options.output;
    // Lines wait for the first sync (so piped /dm and /who find an open room) and for room in the queue.
    this.#lines = new LineQueue({
      handle: (line) => this.#onLine(line),
      inFlight: () => this.#pending.size,
      maxInFlight: MAX_IN_FLIGHT,
    });
  }

  /** Runs the session; resolves with the exit code when it ends. */
  run(): Promise<number> {
    const result = new Promise<number>((resolve) => {
      this.#resolve = resolve;
    });
    const { client, io } = this.#options;
    this.#subscriptions.push(
      client.on("state", (s) => this.#onState(s)),
      client.on("welcome", (f) => this.#out.emit(f)),
      client.on("synced", (e) => this.#onSynced(e)),
      client.on("message", (f) => this.#out.emit(f)),
      client.on("direct", (f) => this.#out.emit(f)),
      client.on("presence", (f) => this.#out.emit(f)),
      client.on("signal", (f) => this.#out.emit(f)),
      client.on("binary", (buf) =>
        this.#out.emit({
          type: "binary",
          bytes: buf.byteLength,
          base64: Buffer.from(buf).toString("base64"),
        }),
      ),
      client.on("error", (e) => {
        this.#lastError = e;
        // Before the first open and after the end, the failure is reported once on stderr instead.
        if (this.#out.json || this.#opened()) this.#out.emit(errorEvent(e));
      }),
      io.onSignal(() => {
        if (this.#phase.name === "ending") this.#finish(EXIT_INTERRUPTED);
        else void this.#quit("now");
      }),
    );
    // The client announced its first "connecting" inside connect(), before anyone listened.
    this.#out.emit(stateEvent(client.state));
    const onOutError = () => void this.#quit("now");
    io.stdout.on("error", onOutError);
    this.#subscriptions.push(() => io.stdout.off("error", onOutError));
    if (!this.#options.args.listen) this.#readInput();
    return result;
  }

  #readInput(): void {
    const { io, interactive } = this.#options;
    const rl = createInterface({
      input: io.stdin,
      ...(interactive ? { output: io.stdout, terminal: true } : { terminal: false }),
      prompt: "> ",
    });
    this.#rl = rl;
    rl.on("line", (line) => {
      this.#lines.push(line);
      this.#flowControl();
    });
    rl.on("close", () => void this.#quit("drain"));
    // On a terminal readline swallows Ctrl-C itself and reports it here, not as a process signal.
    rl.on("SIGINT", () => void this.#quit("now"));
  }

  #closeInput(): void {
    const rl = this.#rl;
    this.#rl = null;
    this.#out.hidePrompt();
    rl?.close();
  }

  #onState(s: ConnectionState): void {
    this.#out.emit(stateEvent(s));
    if (s.status === "open") {
      if (this.#phase.name === "connecting") this.#phase = { name: "live" };
      else if (this.#phase.name === "ending") this.#phase = { ...this.#phase, opened: true };
      this.#lastError = null;
    } else if (s.status === "reconnecting" && !this.#opened()) {
      // Like wscat: a first connection that fails is reported, not retried forever.
      const { args, transportError } = this.#options;
      this.#finish(EXIT.FAILURE, neverOpened(args.base, s, this.#lastError, transportError()));
      this.#client.close(CloseCode.NORMAL, "giving up");
    } else if (s.status === "closed") {
      if (s.error) this.#finish(EXIT.FAILURE, `${s.error.code}: ${s.error.message}`);
      else if (this.#phase.name === "ending") this.#finish(this.#exitCode());
      else {
        this.#finish(
          EXIT.FAILURE,
          `connection closed by the server (${s.code}${s.reason ? ` ${s.reason}` : ""})`,
        );
      }
    }
  }

  #onSynced(e: { seq: number; replayed: number; gap: boolean }): void {
    this.#out.emit({ type: "synced", ...e });
    this.#lines.open();
    if (this.#rl) this.#out.showPrompt(this.#rl);
  }

  #onLine(line: string): void {
    if (this.#phase.name === "ending" && this.#phase.inputClosed) return;
    const action = parseInput(line, this.#options.interactive ? "chat" : "pipe");
    switch (action.kind) {
      case "empty":
        break;
      case "publish":
        this.#publish(action.data);
        break;
      case "dm":
        try {
          this.#client.direct(action.to, action.data);
        } catch (err) {
          this.#out.note(`direct message not sent: ${errorMessage(err)}`);
        }
        break;
      case "signal":
        try {
          this.#client.signal(action.data);
        } catch (err) {
          this.#out.note(`signal not sent: ${errorMessage(err)}`);
        }
        break;
      case "who":
        this.#out.emit({ type: "members", members: this.#client.members });
        break;
      case "help":
        this.#out.info(SESSION_HELP);
        break;
      case "quit":
        void this.#quit("drain", { inputClosed: true }); // lines after /quit are not sent
        return;
      case "invalid":
        this.#out.note(action.message);
        break;
    }
    this.#out.reprompt();
  }

  #publish(data: unknown): void {
    const p = this.#client.publish(data).then(
      (seq) => this.#out.emit({ type: "ack", seq }),
      (err: unknown) => {
        if (this.#phase.name === "ending" && this.#phase.how === "now") return;
        this.#failures++;
        const e = err instanceof RoomcastError ? err : new RoomcastError("closed", String(err));
        if (this.#out.json) this.#out.emit(errorEvent(e));
        else {
          this.#out.note(
            `not delivered (${e.code}: ${e.message}): ${typeof data === "string" ? data : JSON.stringify(data)}`,
          );
        }
      },
    );
    this.#pending.add(p);
    // Both branches above handle the outcome, so this chain never rejects.
    void p.finally(() => {
      this.#pending.delete(p);
      this.#settled++;
      this.#lines.pump();
      this.#flowControl();
    });
  }

  /** Pauses reading stdin while enough lines are held, and resumes when they drained. */
  #flowControl(): void {
    if (!this.#rl || this.#paused === this.#lines.full) return;
    this.#paused = this.#lines.full;
    if (this.#paused) this.#rl.pause();
    else this.#rl.resume();
  }

  /** Waits for the first sync, then for every held line and publish, while acks keep coming. */
  async #drain(): Promise<boolean> {
    // Even with nothing to send, wait for the first sync, so `true | roomcast connect …` reports a refused token.
    if (!(await settleWithin([this.#client.ready()], DRAIN_TIMEOUT_MS))) return false;
    while (!this.#isDone() && (this.#pending.size > 0 || this.#lines.size > 0)) {
      if (this.#pending.size === 0) this.#lines.pump();
      if (this.#pending.size === 0) break;
      const before = this.#settled;
      if (!(await settleWithin([...this.#pending], DRAIN_TIMEOUT_MS)) && this.#settled === before)
        return false;
    }
    return true;
  }

  // Called as `void this.quit(…)` from events: it never rejects (drain only awaits allSettled and timers).
  async #quit(how: "drain" | "now", o: { inputClosed?: boolean } = {}): Promise<void> {
    if (this.#phase.name === "ending" || this.#phase.name === "done") return;
    const opened = this.#phase.name === "live";
    this.#phase = { name: "ending", how, opened, inputClosed: o.inputClosed ?? false };
    this.#closeInput();
    if (how === "drain") {
      const drained = await this.#drain();
      if (this.#isDone()) return;
      if (!drained) {
        const what =
          this.#client.state.status === "open" || this.#opened()
            ? `${this.#pending.size + this.#lines.size} unacknowledged line(s)`
            : "the connection";
        this.#out.fail(`gave up waiting for ${what}: nothing happened for ${DRAIN_TIMEOUT_MS / 1000}s`);
        this.#failures++;
      }
    }
    const { epoch, seq } = this.#client;
    if (epoch !== null && seq !== null) this.#out.resumeHint(epoch, seq);
    if (this.#client.state.status === "closed") this.#finish(this.#exitCode());
    else this.#client.close(CloseCode.NORMAL, "bye");
  }

  /** The session ended (a method, so a check after an await is not narrowed away). */
  #isDone(): boolean {
    return this.#phase.name === "done";
  }

  /** The connection opened at least once, and the session has not ended. */
  #opened(): boolean {
    const p = this.#phase;
    return p.name === "live" || (p.name === "ending" && p.opened);
  }

  #exitCode(): number {
    const p = this.#phase;
    return p.name === "ending" && p.how === "drain" && this.#failures > 0 ? EXIT.FAILURE : EXIT.OK;
  }

  #finish(code: number, message?: string): void {
    if (this.#phase.name === "done") return;
    this.#phase = { name: "done" };
    for (const off of this.#subscriptions) off();
    this.#closeInput();
    if (message) this.#out.fail(message);
    this.#resolve(code);
  }
}

function errorEvent(e: RoomcastError): OutputEvent {
  return { type: "error", code: e.code, message: e.message, ...(e.id !== undefined ? { id: e.id } : {}) };
}

/** The one-line reason a first connection failed: the server's refusal, else the transport's error. */
export function neverOpened(
  base: string,
  s: Extract<ConnectionState, { status: "reconnecting" }>,
  serverError: RoomcastError | null,
  transportError: Error | null,
): string {
  if (serverError) return `${serverError.code}: ${serverError.message}`;
  if (transportError) return `cannot connect to ${base}: ${describeTransportError(transportError)}`;
  return `cannot connect to ${base} (${s.code}${s.reason ? ` ${s.reason}` : ""})`;
}

/** True when every promise settled within `ms`. */
async function settleWithin(promises: Promise<unknown>[], ms: number): Promise<boolean> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<false>((r) => {
    timer = setTimeout(() => r(false), ms);
  });
  const all = Promise.allSettled(promises).then(() => true as const);
  try {
    return await Promise.race([all, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
