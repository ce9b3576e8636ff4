// The metrics accumulator on its own, with a hand-driven clock: nothing without the binding, at most
// one write per interval (the first at once, the rest folded into one at the interval's end), the
// data point layout within Analytics Engine's limits, failures counted from the log.
import { describe, it } from "vitest";
import { METRICS_INTERVAL_MS, RoomMetrics } from "../../../src/room/metrics/room-metrics.ts";
import type { Log } from "../../../src/server/logger.ts";
import {
  INDEX_MAX_BYTES,
  indexOf,
  type MetricsPoint,
  TRAFFIC_DOUBLES,
  type TrafficCounter,
} from "../../../src/server/metrics.ts";

/** A clock whose timers run when the test moves time on. */
function manualClock() {
  let now = 1_000_000;
  const timers: { at: number; fn: () => void }[] = [];
  return {
    now: () => now,
    later: (fn: () => void, ms: number) => void timers.push({ at: now + ms, fn }),
    timers,
    advance(ms: number) {
      now += ms;
      for (const t of timers.splice(0)) {
        if (t.at <= now) t.fn();
        else timers.push(t);
      }
    },
  };
}

const where = { room: "lobby", source: "room", shard: null, sockets: 3 } as const;
const logged: Parameters<Log>[1][] = [];
const log: Log = (_level, fields) => void logged.push(fields);

function recording(env: object = {}) {
  const clock = manualClock();
  const m = new RoomMetrics(env, () => where, log, clock);
  const points = m.record();
  return { m, points, clock };
}

const double = (p: MetricsPoint | undefined, k: TrafficCounter) => p?.doubles[TRAFFIC_DOUBLES.indexOf(k)];

describe("RoomMetrics", () => {
  it("counts nothing and sets no timer without the METRICS binding", async ({ expect }) => {
    const clock = manualClock();
    const m = new RoomMetrics({}, () => where, log, clock);
    expect(m.target).toBeNull();
    m.connected(5);
    m.closed(1000);
    m.published();
    m.committed();
    const send = () => {};
    expect(m.replaying(send)).toBe(send);
    const answer = new Response(null, { status: 503 });
    expect(await m.admitted(() => Promise.resolve(answer))).toBe(answer);
    m.flush();
    expect(clock.timers).toEqual([]);
    expect(m.recorded).toBeNull();
  });

  it("finds the binding by its name", ({ expect }) => {
    const dataset = { writeDataPoint: () => {} };
    expect(new RoomMetrics({ METRICS: dataset }, () => where, log).target).toBe(dataset);
    expect(new RoomMetrics({ METRICS: "not a dataset" }, () => where, log).target).toBeNull();
  });

  it("writes the interval's first count at once and folds the rest into one point at its end", ({
    expect,
  }) => {
    const { m, points, clock } = recording();
    m.connected(7);
    expect(points).toHaveLength(1);
    expect(double(points[0], "connects")).toBe(1);
    for (let i = 0; i < 50; i++) m.published();
    m.committed();
    m.delivered(100);
    expect(points).toHaveLength(1);
    expect(clock.timers).toHaveLength(1);
    clock.advance(METRICS_INTERVAL_MS - 1);
    expect(points).toHaveLength(1);
    clock.advance(1);
    expect(points).toHaveLength(2);
    expect(double(points[1], "publishes")).toBe(50);
    expect(double(points[1], "batches")).toBe(1);
    expect(double(points[1], "deliveries")).toBe(100);
    expect(double(points[1], "connects")).toBe(0);
    expect(double(points[1], "interval_ms")).toBe(METRICS_INTERVAL_MS);
    // Quiet: no timer, no point.
    clock.advance(10 * METRICS_INTERVAL_MS);
    expect(points).toHaveLength(2);
    expect(clock.timers).toEqual([]);
  });

  it("lays a point out as docs/metrics.md says", ({ expect }) => {
    const { m, points } = recording();
    m.connected(12);
    expect(points[0]).toEqual({
      blobs: ["traffic", "lobby", "room", "", ""],
      doubles: TRAFFIC_DOUBLES.map((k) =>
        k === "connects"
          ? 1
          : k === "connect_ms_sum" || k === "connect_ms_max"
            ? 12
            : k === "sockets"
              ? 3
              : 0,
      ),
      indexes: ["lobby"],
    });
    expect(TRAFFIC_DOUBLES.length).toBeLessThanOrEqual(20);
  });

  it("adds one point per refusal code and per close code seen", ({ expect }) => {
    const { m, points, clock } = recording();
    m.flush();
    m.connected(1);
    m.refused("room_full");
    m.refused("room_full");
    m.refused("banned");
    m.closed(1000);
    m.closed(4403);
    m.closed(1000);
    clock.advance(METRICS_INTERVAL_MS);
    const later = points.slice(1);
    expect(later.map((p) => [p.blobs[0], p.blobs[3], p.doubles[0]])).toEqual([
      ["traffic", "", 0],
      ["refused", "room_full", 2],
      ["refused", "banned", 1],
      ["closed", "1000", 2],
      ["closed", "4403", 1],
    ]);
    expect(double(later[0], "refusals")).toBe(3);
    expect(double(later[0], "closes")).toBe(3);
  });

  it("counts a batch only for a commit that held a message", ({ expect }) => {
    const { m, points } = recording();
    m.committed();
    m.published();
    m.published();
    m.committed();
    m.committed();
    m.flush();
    expect(points.map((p) => double(p, "batches")).reduce((a = 0, b = 0) => a + b, 0)).toBe(1);
  });

  it("counts replayed messages and their UTF-8 bytes, then sends them", ({ expect }) => {
    const { m, points } = recording();
    const sent: string[] = [];
    m.replaying((f) => sent.push(...f))(["abc", "é"]);
    m.flush();
    expect(sent).toEqual(["abc", "é"]);
    expect(double(points[0], "replayed")).toBe(2);
    expect(double(points[0], "replayed_bytes")).toBe(5);
  });

  it("times an admitted upgrade and names a refused one by its error code", async ({ expect }) => {
    const { m, points, clock } = recording();
    // The runtime refuses to build a 101 response outside a fetch; a status is all admitted() reads.
    const switched = { status: 101 } as Response;
    await m.admitted(async () => {
      clock.advance(30);
      return switched;
    });
    await m.admitted(async () => Response.json({ error: { code: "banned", message: "x" } }, { status: 403 }));
    await m.admitted(async () => new Response("not json", { status: 400 }));
    clock.advance(METRICS_INTERVAL_MS);
    expect(double(points[0], "connect_ms_max")).toBe(30);
    expect(points.slice(1).map((p) => [p.blobs[0], p.blobs[3]])).toEqual([
      ["traffic", ""],
      ["refused", "banned"],
      ["refused", "400"],
    ]);
  });

  it("counts storage, hook and queue failures from the log and still logs them", ({ expect }) => {
    const { m, points } = recording();
    const lines: string[] = [];
    const counted = m.counting((_level, fields) => void lines.push(fields.event));
    counted("warn", { event: "storage_failed" });
    counted("warn", { event: "depart_failed" });
    counted("warn", { event: "hook_failed" });
    counted("warn", { event: "events_failed" });
    counted("warn", { event: "push_failed" });
    m.flush();
    const sum = (k: TrafficCounter) => points.reduce((n, p) => n + (double(p, k) ?? 0), 0);
    expect([sum("storage_failures"), sum("hook_failures"), sum("queue_failures")]).toEqual([2, 1, 1]);
    expect(lines).toEqual(["storage_failed", "depart_failed", "hook_failed", "events_failed", "push_failed"]);
  });

  it("keeps counting while the object does not know its room, and writes once it does", ({ expect }) => {
    let known: typeof where | null = null;
    const m = new RoomMetrics({}, () => known, log, manualClock());
    const points = m.record();
    m.connected(1);
    m.flush();
    expect(points).toEqual([]);
    known = where;
    m.flush();
    expect(double(points[0], "connects")).toBe(1);
  });

  it("logs a dataset that throws instead of throwing", ({ expect }) => {
    const m = new RoomMetrics({}, () => where, log, manualClock());
    m.target = {
      writeDataPoint: () => {
        throw new Error("over a limit");
      },
    };
    logged.length = 0;
    expect(() => m.connected(1)).not.toThrow();
    expect(logged).toMatchObject([{ event: "metrics_failed", room: "lobby", error: "over a limit" }]);
  });

  it("cuts the index to 96 bytes without splitting a character", ({ expect }) => {
    expect(indexOf("lobby")).toBe("lobby");
    const long = "é".repeat(60);
    const cut = indexOf(long);
    expect(new TextEncoder().encode(cut).byteLength).toBeLessThanOrEqual(INDEX_MAX_BYTES);
    expect(cut).toBe("é".repeat(48));
  });
});
