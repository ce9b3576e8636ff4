// /auth/check diagnosis: which failures retry, which need a new token, which stop for good.
import { describe, expect, it } from "vitest";
import { diagnose, MAX_RETRY_AFTER_MS, retryAfterMs } from "../../src/client/connection/diagnose.ts";
import { fakeFetch } from "./support/fake-socket.ts";

const err = (code: string, message = `${code} message`) => ({ error: { code, message } });
const URL_ = "http://h/auth/check?room=r";

describe("diagnose", () => {
  it("sends the token as a Bearer header", async () => {
    const f = fakeFetch(200, { user: { id: "a", name: null }, room: "r", capabilities: ["read"], exp: 1 });
    expect(await diagnose(f.fetch, URL_, "tok")).toMatchObject({ kind: "retry" });
    expect(f.calls).toEqual([{ url: URL_, auth: "Bearer tok" }]);
  });

  it("401 → unauthorized with the server's message", async () => {
    const d = await diagnose(fakeFetch(401, err("unauthorized", "token expired")).fetch, URL_, "t");
    expect(d.kind).toBe("unauthorized");
    if (d.kind !== "unauthorized") return;
    expect(d.error.code).toBe("unauthorized");
    expect(d.error.message).toBe("token expired");
  });

  it.each([
    [403, "forbidden"],
    [400, "bad_room"],
    [500, "misconfigured"],
  ])("%i %s → fatal with that code and message", async (status, code) => {
    const d = await diagnose(fakeFetch(status, err(code)).fetch, URL_, "t");
    expect(d.kind).toBe("fatal");
    if (d.kind !== "fatal") return;
    expect(d.error.code).toBe(code);
    expect(d.error.message).toBe(`${code} message`);
  });

  it("403 origin_not_allowed → fatal, the server's message followed by the fix", async () => {
    const d = await diagnose(fakeFetch(403, err("origin_not_allowed")).fetch, URL_, "t");
    expect(d.kind).toBe("fatal");
    if (d.kind !== "fatal") return;
    expect(d.error.code).toBe("origin_not_allowed");
    expect(d.error.message).toMatch(/^origin_not_allowed message: the server's ALLOWED_ORIGINS must list/);
    expect(d.error.message).toContain("npm run dev -- --var ALLOWED_ORIGINS:");
  });

  it("503 room_full, other 5xx and non-JSON bodies → retry", async () => {
    expect((await diagnose(fakeFetch(503, err("room_full")).fetch, URL_, "t")).kind).toBe("retry");
    const html: typeof fetch = async () => new Response("<html>bad gateway</html>", { status: 502 });
    expect((await diagnose(html, URL_, "t")).kind).toBe("retry");
  });

  it("a failing fetch (offline) → retry", async () => {
    const offline: typeof fetch = async () => {
      throw new TypeError("fetch failed");
    };
    expect(await diagnose(offline, URL_, "t")).toEqual({ kind: "retry", reason: "network: fetch failed" });
  });
});

describe("retryAfterMs", () => {
  it("reads delay-seconds and HTTP dates, caps them, and ignores what it cannot read", () => {
    const now = Date.parse("2026-12-03T12:00:00Z");
    expect(retryAfterMs("10", now)).toBe(10_000);
    expect(retryAfterMs(" 0 ", now)).toBe(0);
    expect(retryAfterMs("Thu, 03 Dec 2026 12:00:30 GMT", now)).toBe(30_000);
    expect(retryAfterMs("Thu, 03 Dec 2026 11:00:00 GMT", now)).toBe(0);
    expect(retryAfterMs("999999", now)).toBe(MAX_RETRY_AFTER_MS);
    expect(retryAfterMs("soon", now)).toBeNull();
    expect(retryAfterMs("-5", now)).toBeNull();
    expect(retryAfterMs(null, now)).toBeNull();
  });
});
