// `roomcast connect` driven in-process over the real client library and a fake socket: drain on EOF,
// /quit, Ctrl-C, flow control on a big pipe, and a first connection that never opens.
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import type { ConnectArgs } from "../../src/cli/args.ts";
import { runConnect } from "../../src/cli/connect/connect.ts";
import { DRAIN_TIMEOUT_MS, EXIT_INTERRUPTED, MAX_IN_FLIGHT } from "../../src/cli/connect/connect-session.ts";
import type { CliIo } from "../../src/cli/io.ts";
import { connect } from "../../src/client/index.ts";
import { flush, useFakeTimersPerTest } from "../client/support/client-harness.ts";
import { fakeFetch, socketFactory, welcome } from "../client/support/fake-socket.ts";

useFakeTimersPerTest();

/** A session over a fake socket, piped (JSON lines out), with the room's rate high enough not to pace. */
function session(over: Partial<ConnectArgs> = {}) {
  const sockets = socketFactory();
  const stdin = new PassThrough();
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  let onSignal: ((s: "SIGINT" | "SIGTERM") => void) | null = null;
  const io: CliIo = {
    stdin,
    stdout,
    stderr,
    env: {},
    cwd: "/nonexistent",
    onSignal: (handler) => {
      onSignal = handler;
      return () => {
        onSignal = null;
      };
    },
  };
  const args: ConnectArgs = {
    command: "connect",
    base: "http://rooms.test",
    room: "lobby",
    auth: { kind: "token", token: "tok" },
    insecure: false,
    json: true,
    listen: false,
    ...over,
  };
  let exitCode: number | null = null;
  const exit = runConnect(args, io, (o) =>
    connect({ ...o, createWebSocket: sockets.create, fetch: fakeFetch(200, {}).fetch, random: () => 0.5 }),
  ).then((code) => {
    exitCode = code;
    return code;
  });
  return {
    sockets,
    stdin,
    exit,
    exitCode: () => exitCode,
    err: () => err,
    events: (): { type: string; [k: string]: unknown }[] =>
      out
        .split("\n")
        .filter((l) => l !== "")
        .map((l) => JSON.parse(l)),
    signal: () => onSignal?.("SIGINT"),
    /** Opens, welcomes and syncs the current socket. */
    accept: () => sockets.last().accept({ limits: { ...welcome().limits, ratePerSecond: 100_000 } }),
    ackAll: (from = 1) => {
      const s = sockets.last();
      s.publishes().forEach((p, i) => {
        s.receive({ type: "ack", id: p.id, seq: from + i });
      });
    },
  };
}

describe("roomcast connect session", () => {
  it("on EOF sends every line, waits for the acks, then closes with 1000 and exits 0", async () => {
    const s = session();
    s.stdin.end("a\nb\n");
    await flush();
    // Lines wait for the first sync.
    expect(s.sockets.last().publishes()).toEqual([]);
    s.accept();
    await flush();
    expect(
      s.sockets
        .last()
        .publishes()
        .map((p) => p.data),
    ).toEqual(["a", "b"]);
    expect(s.exitCode()).toBeNull();
    s.ackAll();
    expect(await s.exit).toBe(0);
    expect(s.sockets.last().closedWith).toEqual({ code: 1000, reason: "bye" });
    expect(s.events().filter((e) => e.type === "ack")).toEqual([
      { type: "ack", seq: 1 },
      { type: "ack", seq: 2 },
    ]);
  });

  it("/quit drains what came before it and sends nothing after it", async () => {
    const s = session();
    s.stdin.write("one\n/quit\ntwo\n");
    await flush();
    s.accept();
    await flush();
    expect(
      s.sockets
        .last()
        .publishes()
        .map((p) => p.data),
    ).toEqual(["one"]);
    s.ackAll();
    expect(await s.exit).toBe(0);
    expect(
      s.sockets
        .last()
        .publishes()
        .map((p) => p.data),
    ).toEqual(["one"]);
  });

  it("a drain that hears nothing for DRAIN_TIMEOUT_MS gives up with exit 1", async () => {
    const s = session();
    s.stdin.end("held\n");
    await flush();
    // Welcomed but never synced: the line stays held.
    s.sockets.last().open();
    s.sockets.last().receive(welcome());
    await flush(DRAIN_TIMEOUT_MS - 1);
    expect(s.exitCode()).toBeNull();
    await flush(1);
    expect(await s.exit).toBe(1);
    expect(s.err()).toContain(`gave up waiting for 1 unacknowledged line(s): nothing happened for 20s`);
  });

  it("a refused publish makes a drained session exit 1 and is reported as an error event", async () => {
    const s = session();
    s.stdin.end("x\n");
    await flush();
    s.accept();
    await flush();
    const [p] = s.sockets.last().publishes();
    s.sockets.last().receive({ type: "error", code: "forbidden", message: "read only", id: p?.id });
    expect(await s.exit).toBe(1);
    expect(s.events()).toContainEqual({ type: "error", code: "forbidden", message: "read only", id: p?.id });
  });

  it("Ctrl-C closes at once with exit 0; a second Ctrl-C while draining exits 130", async () => {
    const now = session();
    await flush();
    now.accept();
    await flush();
    now.stdin.write("pending\n");
    await flush();
    now.signal();
    expect(await now.exit).toBe(0);
    expect(now.sockets.last().closedWith).toEqual({ code: 1000, reason: "bye" });

    const twice = session();
    await flush();
    twice.accept();
    await flush();
    twice.stdin.end("pending\n"); // EOF: draining, waiting for the ack
    await flush();
    twice.signal();
    expect(await twice.exit).toBe(EXIT_INTERRUPTED);
  });

  it("pauses stdin while MAX_IN_FLIGHT lines are held, and resumes as acks arrive", async () => {
    const s = session();
    const total = MAX_IN_FLIGHT + 100;
    s.stdin.write(Array.from({ length: total }, (_, i) => `${i}\n`).join(""));
    await flush();
    expect(s.stdin.isPaused()).toBe(true);
    s.accept();
    await flush();
    expect(s.sockets.last().publishes()).toHaveLength(MAX_IN_FLIGHT);
    s.ackAll();
    await flush();
    expect(s.stdin.isPaused()).toBe(false);
    expect(s.sockets.last().publishes()).toHaveLength(total);
    s.stdin.end();
    await flush();
    const sent = s.sockets.last().publishes();
    sent.slice(MAX_IN_FLIGHT).forEach((p, i) => {
      s.sockets.last().receive({ type: "ack", id: p.id, seq: MAX_IN_FLIGHT + 1 + i });
    });
    expect(await s.exit).toBe(0);
    expect(s.events().filter((e) => e.type === "ack")).toHaveLength(total);
  });

  it("a first connection that fails is reported once, not retried", async () => {
    const s = session({ listen: true });
    await flush();
    s.sockets.last().fail();
    expect(await s.exit).toBe(1);
    expect(s.err()).toBe("roomcast: cannot connect to http://rooms.test (1006 connection failed)\n");
    expect(s.sockets.sockets).toHaveLength(1);
  });
});
