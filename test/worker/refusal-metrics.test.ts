// Upgrades the worker refuses at its gate, one METRICS point each (a recording dataset bound in place
// of the configured one): 400, 401, 403 and 429 by code, with the room; other requests write none.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import type { MetricsPoint } from "../../src/server/metrics.ts";
import app from "../../src/worker/index.ts";
import { token, uniqueRoom } from "../helpers/runtime.ts";

type Bindings = typeof env & { RATE_LIMIT_TIGHT: RateLimit };

function recording(extra: Partial<Bindings> = {}) {
  const points: MetricsPoint[] = [];
  const bindings = {
    ...env,
    ...extra,
    METRICS: { writeDataPoint: (p: MetricsPoint) => void points.push(p) },
  };
  return { points, bindings };
}

const upgrade = (tok?: string) => ({
  headers: { Upgrade: "websocket", ...(tok ? { Authorization: `Bearer ${tok}` } : {}) },
});

describe("refused upgrades at the gate", () => {
  it("writes one refused point per upgrade, with its code, status and room", async ({ expect }) => {
    const room = uniqueRoom();
    const { points, bindings } = recording();
    expect((await app.request(`/rooms/${room}/ws`, upgrade(), bindings)).status).toBe(401);
    const reader = await token({ sub: "ann", rooms: { other: ["read"] } });
    expect((await app.request(`/rooms/${room}/ws`, upgrade(reader), bindings)).status).toBe(403);
    expect((await app.request("/rooms/bad%20name/ws", upgrade(reader), bindings)).status).toBe(400);
    const ok = await token({ sub: "ann" });
    expect((await app.request(`/rooms/${room}/ws?since=x`, upgrade(ok), bindings)).status).toBe(400);
    expect(points).toEqual([
      { blobs: ["refused", room, "worker", "unauthorized", ""], doubles: [1, 401], indexes: [room] },
      { blobs: ["refused", room, "worker", "forbidden", ""], doubles: [1, 403], indexes: [room] },
      { blobs: ["refused", "bad name", "worker", "bad_room", ""], doubles: [1, 400], indexes: ["bad name"] },
      { blobs: ["refused", room, "worker", "bad_request", ""], doubles: [1, 400], indexes: [room] },
    ]);
  });

  it("counts a rate-limited upgrade as 429 rate_limited", async ({ expect }) => {
    const room = uniqueRoom();
    const tight = (env as Bindings).RATE_LIMIT_TIGHT;
    const { points, bindings } = recording({ RATE_LIMIT_USER: tight });
    const tok = await token({ sub: `u-${crypto.randomUUID()}` });
    for (let i = 0; i < 3; i++) {
      await app.request(
        `/auth/check?room=${room}`,
        { headers: { Authorization: `Bearer ${tok}` } },
        bindings,
      );
    }
    expect((await app.request(`/rooms/${room}/ws`, upgrade(tok), bindings)).status).toBe(429);
    expect(points).toEqual([
      { blobs: ["refused", room, "worker", "rate_limited", ""], doubles: [1, 429], indexes: [room] },
    ]);
  });

  it("writes nothing for refused requests that are not upgrades, nor without the binding", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const { points, bindings } = recording();
    expect((await app.request(`/rooms/${room}`, {}, bindings)).status).toBe(401);
    expect((await app.request(`/rooms/${room}/messages`, { method: "POST" }, bindings)).status).toBe(401);
    expect(points).toEqual([]);
    const unbound = { ...env, METRICS: undefined };
    expect((await app.request(`/rooms/${room}/ws`, upgrade(), unbound)).status).toBe(401);
  });

  it("the test runtime binds METRICS from wrangler.toml: a simulator that accepts any point", ({
    expect,
  }) => {
    const dataset = (env as { METRICS?: AnalyticsEngineDataset }).METRICS;
    expect(typeof dataset?.writeDataPoint).toBe("function");
    // It checks no limit (21 doubles, a 200-byte index are accepted): hence the layout tests in
    // test/room/metrics/room-metrics.test.ts.
    expect(() =>
      dataset?.writeDataPoint({ blobs: ["x"], doubles: Array(21).fill(1), indexes: ["i".repeat(200)] }),
    ).not.toThrow();
  });
});
