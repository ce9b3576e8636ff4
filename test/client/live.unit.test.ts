// Live-room features of the client: in-band token refresh on a schedule, signals, presence state, 4403.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { jwtExp, refreshDelay } from "../../src/client/connection/token-refresh.ts";
import { flush, harness } from "./support/client-harness.ts";
import type { FakeSocket } from "./support/fake-socket.ts";

/** An unsigned JWT-shaped token: the client only reads `exp`; the server verifies. */
function jwt(claims: Record<string, unknown>): string {
  const b64 = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${b64({ alg: "HS256", typ: "JWT" })}.${b64(claims)}.sig`;
}

const nowS = () => Math.floor(Date.now() / 1000);
/** Accepts the connection and answers its keepalive pings, as the room's runtime does. */
function live(s: FakeSocket): void {
  const send = s.send.bind(s);
  s.send = (d) => {
    send(d);
    if (d === "ping") queueMicrotask(() => s.receive("pong"));
  };
  s.accept();
}

beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2026-12-01T12:00:00Z") });
});
afterEach(() => {
  vi.useRealTimers();
});

describe("refresh schedule", () => {
  it("reads exp from a JWT and nothing from other tokens", () => {
    expect(jwtExp(jwt({ sub: "ann", exp: 1234 }))).toBe(1234);
    expect(jwtExp(jwt({ sub: "ann" }))).toBeNull();
    expect(jwtExp("opaque-session-token")).toBeNull();
    expect(jwtExp("a.!!!.c")).toBeNull();
  });

  it("refreshes a minute ahead of a long token's exp, halfway through a short one", () => {
    expect(refreshDelay(3_600_000, 0)).toBe(3_540_000);
    expect(refreshDelay(120_000, 0)).toBe(60_000);
    expect(refreshDelay(10_000, 0)).toBe(5_000);
    expect(refreshDelay(1_000, 5_000)).toBe(0);
  });
});

describe("in-band token refresh", () => {
  it("asks the token function ahead of exp and sends a refresh on the same socket", async () => {
    const token = vi.fn(async () => jwt({ sub: "ann", exp: nowS() + 3600 }));
    const h = harness({ token });
    await flush();
    const socket = h.sockets.last();
    live(socket);
    expect(token).toHaveBeenCalledTimes(1);

    await flush(3_540_000 - 1_000);
    expect(token).toHaveBeenCalledTimes(1);
    await flush(1_000);
    expect(token).toHaveBeenCalledTimes(2);
    const refresh = socket.frames().filter((f) => (f as { type?: string }).type === "refresh");
    expect(refresh).toEqual([{ type: "refresh", token: await token.mock.results[1]?.value }]);

    // Accepted: the next refresh follows the new exp, still on the first socket.
    const exp = nowS() + 600;
    socket.receive({ type: "refreshed", exp, capabilities: ["read", "write"] });
    expect(h.of("refreshed")).toEqual([{ type: "refreshed", exp, capabilities: ["read", "write"] }]);
    await flush(540_000);
    expect(token).toHaveBeenCalledTimes(3);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.client.state).toEqual({ status: "open" });
    expect(h.of("state").map((s) => s.status)).toEqual(["open"]); // no reconnect, ever
    h.client.close();
  });

  it("falls back to reconnecting when the server refuses the refresh", async () => {
    let n = 0;
    const token = vi.fn(async () => jwt({ sub: "ann", n: ++n, exp: nowS() + 120 }));
    const h = harness({ token });
    await flush();
    live(h.sockets.last());
    await flush(60_000);
    expect(token).toHaveBeenCalledTimes(2);
    h.sockets.last().receive({ type: "error", code: "forbidden", message: "token has no 'read' capability" });
    expect(h.of("error").map((e) => e.code)).toEqual(["forbidden"]);
    expect(h.client.state).toMatchObject({ status: "reconnecting" });
    await flush(1_000);
    expect(h.sockets.sockets).toHaveLength(2);
    expect(token).toHaveBeenCalledTimes(3);
    expect(jwtExp(h.sockets.last().url.searchParams.get("token") ?? "")).not.toBeNull();
    h.client.close();
  });

  it("a failing token function is reported and tried again before exp, without reconnecting", async () => {
    let fail = true;
    const token = vi.fn(async () => {
      if (fail && token.mock.calls.length > 1) throw new Error("auth server down");
      return jwt({ sub: "ann", exp: nowS() + 120 });
    });
    const h = harness({ token });
    await flush();
    live(h.sockets.last());
    await flush(60_000);
    expect(h.of("error").map((e) => e.message)).toEqual(["token function failed: auth server down"]);
    fail = false;
    await flush(30_000);
    expect(token).toHaveBeenCalledTimes(3);
    expect(
      h.sockets
        .last()
        .frames()
        .some((f) => (f as { type?: string }).type === "refresh"),
    ).toBe(true);
    expect(h.sockets.sockets).toHaveLength(1);
    h.client.close();
  });

  it("never refreshes a fixed string token or a token without exp", async () => {
    const fixed = harness({ token: jwt({ sub: "ann", exp: nowS() + 120 }) });
    live(fixed.sockets.last());
    const noExp = vi.fn(async () => "opaque");
    const h = harness({ token: noExp });
    await flush();
    live(h.sockets.last());
    await flush(600_000);
    expect(noExp).toHaveBeenCalledTimes(1);
    for (const s of [...fixed.sockets.sockets, ...h.sockets.sockets]) {
      expect(s.frames().filter((f) => (f as { type?: string }).type === "refresh")).toEqual([]);
    }
    fixed.client.close();
    h.client.close();
  });

  it("stops the schedule when the socket goes; the new socket starts its own", async () => {
    const token = vi.fn(async () => jwt({ sub: "ann", exp: nowS() + 120 }));
    const h = harness({ token });
    await flush();
    live(h.sockets.last());
    await flush(30_000);
    h.sockets.last().serverClose(1006);
    await flush(1_000);
    expect(token).toHaveBeenCalledTimes(2); // the reconnect, not a refresh
    live(h.sockets.last());
    await flush(59_000); // the new token (exp +120 s from the reconnect) is refreshed at +60 s
    expect(token).toHaveBeenCalledTimes(2);
    await flush(1_000);
    expect(token).toHaveBeenCalledTimes(3);
    expect(h.sockets.sockets[0]?.frames().some((f) => (f as { type?: string }).type === "refresh")).toBe(
      false,
    );
    h.client.close();
  });
});

describe("refresh(token)", () => {
  it("refreshes in place with a token the app got elsewhere, and reconnects with it later", async () => {
    const h = harness({ token: "old" });
    const first = h.sockets.last();
    live(first);
    h.client.refresh("new");
    expect(first.frames()).toContainEqual({ type: "refresh", token: "new" });
    first.receive({ type: "refreshed", exp: nowS() + 3600, capabilities: ["read"] });
    expect(h.sockets.sockets).toHaveLength(1);
    await flush(600_000);
    expect(first.frames().filter((f) => (f as { type?: string }).type === "refresh")).toHaveLength(1);
    first.serverClose(1006);
    await flush(1_000);
    expect(h.sockets.last().url.searchParams.get("token")).toBe("new");
    h.client.close();
    expect(() => h.client.refresh("x")).toThrow(expect.objectContaining({ code: "closed" }));
  });
});

describe("signals, presence state and kicks", () => {
  it("sends signals and emits the ones received", async () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    h.client.signal({ x: 1 });
    h.client.signal("typing", { to: "bob" });
    expect(s.frames()).toContainEqual({ type: "signal", data: { x: 1 } });
    expect(s.frames()).toContainEqual({ type: "signal", data: "typing", to: "bob" });
    const frame = { type: "signal", from: { id: "bob", name: "Bob" }, data: { x: 2 }, ts: 5 };
    s.receive(frame);
    expect(h.of("signal")).toEqual([frame]);
    expect(() => h.client.signal("x".repeat(2000))).toThrow(expect.objectContaining({ code: "too_big" }));
    s.serverClose(1006);
    expect(() => h.client.signal(1)).toThrow(expect.objectContaining({ code: "closed" }));
    h.client.close();
  });

  it("setState is sent once synced, again after a reconnect, and members follow updates", async () => {
    const h = harness();
    h.client.setState({ status: "away" });
    const first = h.sockets.last();
    first.accept();
    expect(first.frames()).toContainEqual({ type: "state", data: { status: "away" } });
    first.receive({
      type: "presence",
      event: "update",
      user: { id: "ann", name: "Ann" },
      state: { status: "away" },
      members: 1,
    });
    expect(h.client.members).toEqual([{ id: "ann", name: "Ann", connections: 1, state: { status: "away" } }]);
    h.client.setState(null);
    expect(first.frames().filter((f) => (f as { type?: string }).type === "state")).toHaveLength(2);
    first.serverClose(1006);
    await flush(1_000);
    h.sockets.last().accept();
    expect(h.sockets.last().frames()).toContainEqual({ type: "state", data: null });
    expect(() => h.client.setState("x".repeat(1100))).toThrow(expect.objectContaining({ code: "too_large" }));
    h.client.close();
    expect(() => h.client.setState(1)).toThrow(expect.objectContaining({ code: "closed" }));
  });

  it("4403 closes for good with the reason", async () => {
    const h = harness();
    h.sockets.last().accept();
    h.sockets.last().serverClose(4403, "spamming");
    await flush(120_000);
    expect(h.sockets.sockets).toHaveLength(1);
    const state = h.client.state;
    expect(state).toMatchObject({ status: "closed", code: 4403, reason: "spamming" });
    expect(state.status === "closed" && state.error).toMatchObject({ code: "kicked", message: "spamming" });
    expect(h.of("error").map((e) => e.code)).toEqual(["kicked"]);
  });
});
