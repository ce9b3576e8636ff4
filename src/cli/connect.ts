// `roomcast connect`: an interactive (terminal) or JSON-lines (pipe) session over the reconnecting client.
import { clearLine, createInterface, cursorTo, type Interface } from "node:readline";
import { connect } from "../client/index.ts";
import { type ConnectionState, type RoomClient, RoomcastError } from "../client/types.ts";
import { CloseCode } from "../shared/protocol.ts";
import type { ConnectArgs } from "./args.ts";
import { tokenSource } from "./credentials.ts";
import { CliError, EXIT } from "./errors.ts";
import { SESSION_HELP } from "./help.ts";
import { parseInput } from "./input.ts";
import type { CliIo } from "./io.ts";
import { LineQueue } from "./line-queue.ts";
import { describeTransportError, nodeTransport } from "./node-transport.ts";
import { colorEnabled, humanLine, jsonLine, type OutputEvent, stateEvent } from "./render.ts";

/** EOF / quit gives up on outstanding publishes after this long without any acknowledgement. */
export const DRAIN_TIMEOUT_MS = 20_000;
/** Unacknowledged publishes at most; further input lines wait (the client library queues up to 1000). */
const MAX_IN_FLIGHT = 500;
/** Exit code for a second Ctrl-C while closing (128 + SIGINT). */
const EXIT_INTERRUPTED = 130;
// A minted token for `connect` has read+write on the room and is re-minted on every reconnect.
const CONNECT_GRANT_TTL = 3600;

/** Runs the session; resolves with the exit code when it ends. */
export async function runConnect(args: ConnectArgs, io: CliIo): Promise<number> {
  const token = await tokenSource(
    args.auth,
    { room: args.room, caps: ["read", "write"], ttlSeconds: CONNECT_GRANT_TTL },
    io,
  );
  const transport = nodeTransport({ insecure: args.insecure });
  const json = args.json || !io.stdout.isTTY;
  const interactive = !json && !args.listen && io.stdin.isTTY === true;
  const color = !json && colorEnabled(io.env, io.stdout.isTTY === true);
  const out = io.stdout;

  let client: RoomClient;
  try {
    client = connect({
      url: args.base,
      room: args.room,
      // A fixed --token is passed as a string so the library stops (instead of retrying) when it is refused.
      token: args.auth.kind === "token" ? args.auth.token : token,
      ...(args.since !== undefined && args.epoch !== undefined
        ? { since: args.since, epoch: args.epoch }
        : {}),
      ...(args.rewind !== undefined ? { rewind: args.rewind } : {}),
      createWebSocket: transport.createWebSocket,
      fetch: transport.fetch,
    });
  } catch (err) {
    throw new CliError(err instanceof Error ? err.message : String(err));
  }

  return new Promise<number>((resolve) => {
    let rl: Interface | null = null;
    let prompted = false;
    let opened = false;
    let quitting: "drain" | "now" | null = null;
    let done = false;
    let failures = 0;
    let lastError: RoomcastError | null = null;
    const pending = new Set<Promise<void>>();
    let settledCount = 0;
    let paused = false;
    const subscriptions: (() => void)[] = [];

    const write = (line: string) => {
      if (rl && interactive && prompted) {
        clearLine(out, 0);
        cursorTo(out, 0);
        out.write(`${line}\n`);
        rl.prompt(true);
      } else {
        out.write(`${line}\n`);
      }
    };
    const emit = (ev: OutputEvent) => {
      const line = json ? jsonLine(ev) : humanLine(ev, { color, url: args.base });
      if (line !== null) write(line);
    };
    /** A local problem (bad input, failed publish): in the conversation on a terminal, on stderr in JSON mode. */
    const note = (text: string) => {
      if (json) io.stderr.write(`roomcast: ${text}\n`);
      else write(color ? `\u001b[31m! ${text}\u001b[0m` : `! ${text}`);
    };

    const finish = (code: number, message?: string) => {
      if (done) return;
      done = true;
      for (const off of subscriptions) off();
      rl?.close();
      rl = null;
      if (message) io.stderr.write(`roomcast: ${message}\n`);
      resolve(code);
    };

    /** Waits for the first sync, then for every held line and publish, while acks keep coming. */
    const drain = async (): Promise<boolean> => {
      // Even with nothing to send, wait for the first sync, so `true | roomcast connect …` reports a refused token.
      if (!(await settleWithin([client.ready()], DRAIN_TIMEOUT_MS))) return false;
      while (!done && (pending.size > 0 || lines.size > 0)) {
        if (pending.size === 0) lines.pump();
        if (pending.size === 0) break;
        const before = settledCount;
        if (!(await settleWithin([...pending], DRAIN_TIMEOUT_MS)) && settledCount === before) return false;
      }
      return true;
    };

    const quit = async (how: "drain" | "now") => {
      if (quitting || done) return;
      quitting = how;
      rl?.close();
      rl = null;
      if (how === "drain") {
        const drained = await drain();
        if (done) return;
        if (!drained) {
          const what =
            client.state.status === "open" || opened
              ? `${pending.size + lines.size} unacknowledged line(s)`
              : "the connection";
          io.stderr.write(
            `roomcast: gave up waiting for ${what}: nothing happened for ${DRAIN_TIMEOUT_MS / 1000}s\n`,
          );
          failures++;
        }
      }
      if (!json && client.epoch !== null && client.seq !== null) {
        write(humanResume(client.epoch, client.seq, color));
      }
      if (client.state.status === "closed") finish(exitCode());
      else client.close(CloseCode.NORMAL, "bye");
    };
    const exitCode = () => (quitting === "drain" && failures > 0 ? EXIT.FAILURE : EXIT.OK);

    subscriptions.push(
      client.on("state", (s) => {
        emit(stateEvent(s));
        if (s.status === "open") {
          opened = true;
          lastError = null;
        } else if (s.status === "reconnecting" && !opened) {
          // Like wscat: a first connection that fails is reported, not retried forever.
          finish(EXIT.FAILURE, neverOpened(args.base, s, lastError, transport.lastError()));
          client.close(CloseCode.NORMAL, "giving up");
        } else if (s.status === "closed") {
          if (s.error) finish(EXIT.FAILURE, `${s.error.code}: ${s.error.message}`);
          else if (quitting) finish(exitCode());
          else
            finish(
              EXIT.FAILURE,
              `connection closed by the server (${s.code}${s.reason ? ` ${s.reason}` : ""})`,
            );
        }
      }),
      client.on("welcome", (f) => emit(f)),
      client.on("synced", (e) => {
        emit({ type: "synced", ...e });
        lines.open();
        if (rl && interactive && !prompted) {
          prompted = true;
          rl.prompt();
        }
      }),
      client.on("message", (f) => emit(f)),
      client.on("direct", (f) => emit(f)),
      client.on("presence", (f) => emit(f)),
      client.on("binary", (buf) =>
        emit({ type: "binary", bytes: buf.byteLength, base64: Buffer.from(buf).toString("base64") }),
      ),
      client.on("error", (e) => {
        lastError = e;
        // Before the first open and after the end, the failure is reported once on stderr instead.
        if (json || (opened && !done)) emit(errorEvent(e));
      }),
      io.onSignal(() => {
        if (quitting) finish(EXIT_INTERRUPTED);
        else void quit("now");
      }),
    );
    // The client announced its first "connecting" inside connect(), before anyone listened.
    emit(stateEvent(client.state));
    const onOutError = () => void quit("now");
    out.on("error", onOutError);
    subscriptions.push(() => out.off("error", onOutError));

    const publish = (data: unknown) => {
      const p = client.publish(data).then(
        (seq) => emit({ type: "ack", seq }),
        (err: unknown) => {
          if (quitting === "now") return;
          failures++;
          const e = err instanceof RoomcastError ? err : new RoomcastError("closed", String(err));
          if (json) emit(errorEvent(e));
          else
            note(
              `not delivered (${e.code}: ${e.message}): ${typeof data === "string" ? data : JSON.stringify(data)}`,
            );
        },
      );
      pending.add(p);
      void p.finally(() => {
        pending.delete(p);
        settledCount++;
        lines.pump();
        flowControl();
      });
    };

    let inputClosed = false;
    const onLine = (line: string) => {
      if (inputClosed) return;
      const action = parseInput(line);
      switch (action.kind) {
        case "empty":
          break;
        case "publish":
          publish(action.data);
          break;
        case "dm":
          try {
            client.direct(action.to, action.data);
          } catch (err) {
            note(`direct message not sent: ${err instanceof Error ? err.message : String(err)}`);
          }
          break;
        case "who":
          emit({ type: "members", members: client.members });
          break;
        case "help":
          if (json) io.stderr.write(`${SESSION_HELP}\n`);
          else write(SESSION_HELP);
          break;
        case "quit":
          inputClosed = true; // lines after /quit are not sent
          void quit("drain");
          return;
        case "invalid":
          note(action.message);
          break;
      }
      if (rl && interactive && prompted) rl.prompt();
    };

    // Lines wait for the first sync (so piped /dm and /who find an open room) and for room in the send queue.
    const lines = new LineQueue({ handle: onLine, inFlight: () => pending.size, maxInFlight: MAX_IN_FLIGHT });
    /** Pauses reading stdin while enough lines are held, and resumes when they drained. */
    const flowControl = () => {
      if (!rl || paused === lines.full) return;
      paused = lines.full;
      if (paused) rl.pause();
      else rl.resume();
    };

    if (!args.listen) {
      rl = createInterface({
        input: io.stdin,
        ...(interactive ? { output: out, terminal: true } : { terminal: false }),
        prompt: "> ",
      });
      rl.on("line", (line) => {
        lines.push(line);
        flowControl();
      });
      rl.on("close", () => void quit("drain"));
      // On a terminal readline swallows Ctrl-C itself and reports it here, not as a process signal.
      rl.on("SIGINT", () => void quit("now"));
    }
  });
}

function errorEvent(e: RoomcastError): OutputEvent {
  return { type: "error", code: e.code, message: e.message, ...(e.id !== undefined ? { id: e.id } : {}) };
}

function humanResume(epoch: string, seq: number, color: boolean): string {
  const text = `* to resume later: --since ${seq} --epoch ${epoch}`;
  return color ? `\u001b[2m${text}\u001b[0m` : text;
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
