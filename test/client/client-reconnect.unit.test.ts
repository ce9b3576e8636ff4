// Reconnect policy: close codes, token refresh on 4401, /auth/check diagnosis, maxAttempts, `online`.
import { describe, expect, it, vi } from "vitest";
import { flush, harness, useFakeTimersPerTest } from "./support/client-harness.ts";
import { fakeFetch } from "./support/fake-socket.ts";

const errorBody = (code: string, message: string) => ({ error: { code, message } });

useFakeTimersPerTest();

describe("reconnect", () => {
  it("reconnects after 1006 with a jittered delay and resumes with since/epoch", async () => {
    const h = harness({ backoff: { baseMs: 1000 } });
    const first = h.sockets.last();
    expect(first.url.href).toBe("ws://rooms.test/rooms/lobby/ws?token=tok&batch=1&v=2");
    expect(first.binaryType).toBe("arraybuffer");
    first.accept({ epoch: "E", seq: 4 });
    expect(h.client.state).toEqual({ status: "open" });
    first.receive({ type: "message", seq: 5, from: { id: "bob", name: null }, data: 1, ts: 1 });
    first.serverClose(1006);
    expect(h.client.state).toEqual({
      status: "reconnecting",
      attempt: 1,
      delayMs: 500,
      code: 1006,
      reason: "",
    });
    await flush(499);
    expect(h.sockets.sockets).toHaveLength(1);
    await flush(1);
    expect(h.sockets.sockets).toHaveLength(2);
    const url = h.sockets.last().url;
    expect(Object.fromEntries(url.searchParams)).toEqual({
      token: "tok",
      batch: "1",
      v: "2",
      since: "5",
      epoch: "E",
    });
    h.client.close();
  });

  it("grows the delay over consecutive failures and resets it after a synced connection", async () => {
    const h = harness({ backoff: { baseMs: 100, capMs: 1000 }, random: () => 0.99 });
    const delays: number[] = [];
    for (let i = 0; i < 5; i++) {
      h.sockets.last().open();
      h.sockets.last().serverClose(1001);
      const s = h.client.state;
      if (s.status !== "reconnecting") throw new Error(`expected reconnecting, got ${s.status}`);
      delays.push(s.delayMs);
      await flush(s.delayMs);
    }
    expect(delays).toEqual([99, 198, 396, 792, 990]);
    h.sockets.last().accept();
    h.sockets.last().serverClose(1001);
    expect(h.client.state).toMatchObject({ status: "reconnecting", attempt: 1, delayMs: 99 });
    h.client.close();
  });

  it.each([1000, 4429])("does not reconnect after %i", async (code) => {
    const h = harness();
    h.sockets.last().accept();
    h.sockets.last().serverClose(code, "bye");
    await flush(120_000);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.client.state).toMatchObject({ status: "closed", code, reason: "bye" });
    if (code === 4429) {
      expect(h.of("error").map((e) => [e.code, e.closeCode])).toEqual([["rate_limited", 4429]]);
    }
  });

  it.each([1009, 4408, 1011])("reconnects after %i", async (code) => {
    const h = harness();
    h.sockets.last().accept();
    h.sockets.last().serverClose(code);
    await flush(1_000);
    expect(h.sockets.sockets).toHaveLength(2);
    h.client.close();
  });

  it("4401 asks the token function again, then reconnects with the new token", async () => {
    let n = 0;
    const token = vi.fn(async () => `t${++n}`);
    const h = harness({ token });
    await flush();
    h.sockets.last().accept();
    h.sockets.last().serverClose(4401, "token expired");
    await flush(1_000);
    expect(token).toHaveBeenCalledTimes(2);
    expect(h.sockets.last().url.searchParams.get("token")).toBe("t2");
    h.client.close();
  });

  it("4401 with a fixed string token closes with unauthorized", async () => {
    const h = harness({ token: "fixed" });
    h.sockets.last().accept();
    h.sockets.last().serverClose(4401, "token expired");
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    const state = h.client.state;
    expect(state).toMatchObject({ status: "closed", code: 4401 });
    expect(state.status === "closed" && state.error?.code).toBe("unauthorized");
  });

  it("gives up after maxAttempts failures in a row", async () => {
    const h = harness({ backoff: { maxAttempts: 2 } });
    for (let i = 0; i < 3; i++) {
      h.sockets.last().open();
      h.sockets.last().serverClose(1006);
      await flush(60_000);
    }
    expect(h.sockets.sockets).toHaveLength(3);
    expect(h.client.state).toMatchObject({ status: "closed", error: { code: "network" } });
    await expect(h.client.ready()).rejects.toMatchObject({ code: "network" });
  });

  it("reconnects at once when the browser fires `online`", async () => {
    const target = new EventTarget();
    vi.stubGlobal("addEventListener", target.addEventListener.bind(target));
    vi.stubGlobal("removeEventListener", target.removeEventListener.bind(target));
    try {
      const h = harness({ backoff: { baseMs: 60_000 } });
      h.sockets.last().accept();
      h.sockets.last().serverClose(1006);
      await flush(10);
      expect(h.sockets.sockets).toHaveLength(1);
      target.dispatchEvent(new Event("online"));
      await flush();
      expect(h.sockets.sockets).toHaveLength(2);
      h.client.close();
      target.dispatchEvent(new Event("online"));
      await flush(120_000);
      expect(h.sockets.sockets).toHaveLength(2);
    } finally {
      vi.unstubAllGlobals();
    }
  });
});

describe("a socket that fails before opening is diagnosed with /auth/check", () => {
  it("401 with a token function: emits unauthorized, gets a new token, retries", async () => {
    const f = fakeFetch(401, errorBody("unauthorized", "token expired"));
    let n = 0;
    const h = harness({ token: () => `t${++n}`, fetch: f.fetch });
    await flush();
    h.sockets.last().fail();
    await flush(1_000);
    expect(f.calls).toEqual([{ url: "http://rooms.test/auth/check?room=lobby", auth: "Bearer t1" }]);
    expect(h.of("error").map((e) => e.code)).toEqual(["unauthorized"]);
    expect(h.sockets.last().url.searchParams.get("token")).toBe("t2");
    h.client.close();
  });

  it("401, then a token function that returns the refused token again: closed with unauthorized", async () => {
    const h = harness({ token: () => "same", fetch: fakeFetch(401, errorBody("unauthorized", "bad")).fetch });
    await flush();
    h.sockets.last().fail();
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.client.state).toMatchObject({
      status: "closed",
      error: { code: "unauthorized", message: expect.stringMatching(/refused this token/) },
    });
    expect(h.of("error").map((e) => e.code)).toEqual(["unauthorized", "unauthorized"]);
  });

  it("401 with a fixed token: closed with the server's message", async () => {
    const h = harness({ fetch: fakeFetch(401, errorBody("unauthorized", "bad signature")).fetch });
    h.sockets.last().fail();
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    expect(h.client.state).toMatchObject({
      status: "closed",
      code: 1006,
      error: { code: "unauthorized", message: "bad signature" },
    });
    await expect(h.client.ready()).rejects.toMatchObject({ code: "unauthorized" });
  });

  it.each([
    [403, "forbidden"],
    [403, "origin_not_allowed"],
    [400, "bad_room"],
    [500, "misconfigured"],
  ])("%i %s: stops with that error", async (status, code) => {
    const h = harness({ fetch: fakeFetch(status, errorBody(code, `nope: ${code}`)).fetch });
    h.sockets.last().fail();
    await flush(60_000);
    expect(h.sockets.sockets).toHaveLength(1);
    // A refused origin's message also names the setting that fixes it.
    const message =
      code === "origin_not_allowed"
        ? expect.stringMatching(/^nope: origin_not_allowed: .*ALLOWED_ORIGINS/)
        : `nope: ${code}`;
    expect(h.client.state).toMatchObject({ status: "closed", error: { code, message } });
    expect(h.of("error").map((e) => e.code)).toEqual([code]);
  });

  it.each([
    ["503 room_full", fakeFetch(503, errorBody("room_full", "full")).fetch],
    ["200", fakeFetch(200, {}).fetch],
    [
      "a network failure",
      async () => {
        throw new TypeError("fetch failed");
      },
    ],
  ])("%s: retries with backoff", async (_, fetchFn) => {
    const h = harness({ fetch: fetchFn });
    h.sockets.last().fail();
    await flush();
    expect(h.client.state).toMatchObject({ status: "reconnecting", attempt: 1, code: 1006 });
    await flush(1_000);
    expect(h.sockets.sockets).toHaveLength(2);
    expect(h.of("error")).toEqual([]);
    h.client.close();
  });

  it("429 with Retry-After: waits at least that long before the next attempt", async () => {
    const fetchFn: typeof fetch = async () =>
      new Response(JSON.stringify(errorBody("rate_limited", "too many requests")), {
        status: 429,
        headers: { "content-type": "application/json", "retry-after": "10" },
      });
    const h = harness({ fetch: fetchFn });
    h.sockets.last().fail();
    await flush();
    expect(h.client.state).toMatchObject({ status: "reconnecting", attempt: 1, delayMs: 10_000 });
    await flush(9_999);
    expect(h.sockets.sockets).toHaveLength(1);
    await flush(1);
    expect(h.sockets.sockets).toHaveLength(2);
    h.client.close();
  });

  it("an error without a close event (Node 22's WebSocket on a refused upgrade) still ends the attempt", async () => {
    const f = fakeFetch(403, errorBody("forbidden", "no read"));
    const h = harness({ fetch: f.fetch });
    h.sockets.last().onerror?.({});
    await flush();
    expect(f.calls).toHaveLength(1);
    expect(h.client.state).toMatchObject({ status: "closed", code: 1006, error: { code: "forbidden" } });
  });

  it("an error after opening without a close event abandons the socket after a grace period", async () => {
    const h = harness();
    const s = h.sockets.last();
    s.accept();
    s.onerror?.({});
    await flush(999);
    expect(h.client.state).toEqual({ status: "open" });
    await flush(1);
    expect(s.closedWith).toEqual({ code: 4000, reason: "error without close" });
    expect(h.client.state).toMatchObject({
      status: "reconnecting",
      code: 1006,
      reason: "error without close",
    });
    h.client.close();
  });

  it("a connect that never completes times out and retries", async () => {
    const h = harness({ connectTimeoutMs: 5_000 });
    await flush(5_000);
    expect(h.sockets.sockets[0]?.closedWith).toEqual({ code: 4000, reason: "connect timeout" });
    expect(h.client.state).toMatchObject({ status: "reconnecting", code: 1006, reason: "connect timeout" });
    h.client.close();
  });
});
