// The CI performance guard's decision (bench/lib/check.ts): ratios in, pass or fail and one line out.
import { describe, it } from "vitest";
import { checkRatios, decide, THRESHOLDS } from "../../bench/lib/check.ts";
import type { BenchRecord } from "../../bench/lib/report.ts";

const today = { storm: 0.78, idle: 1.16, fanout: 1.63 };

describe("decide", () => {
  it("passes today's figures and prints every ratio with its threshold on one line", ({ expect }) => {
    const v = decide(today);
    expect(v.pass).toBe(true);
    expect(v.failures).toEqual([]);
    expect(v.line).toBe(
      "bench check: storm=0.78× (≥ 0.55×) idle=1.16× (≤ 1.40×) vs bare+assets; fanout=1.63× (≥ 1.00×) vs bare: pass",
    );
    expect(v.line).not.toContain("\n");
  });

  it("fails a storm below its floor", ({ expect }) => {
    const v = decide({ ...today, storm: 0.52 });
    expect(v.pass).toBe(false);
    expect(v.failures).toEqual(["storm 0.52× < 0.55×"]);
    expect(v.line).toMatch(/: FAIL \(storm 0\.52× < 0\.55×\)$/);
  });

  it("fails idle memory above its ceiling", ({ expect }) => {
    expect(decide({ ...today, idle: 1.62 }).failures).toEqual(["idle 1.62× > 1.40×"]);
  });

  it("fails fan-out below the bare DO", ({ expect }) => {
    expect(decide({ ...today, fanout: 0.8 }).failures).toEqual(["fanout 0.80× < 1.00×"]);
  });

  it("passes exactly at each threshold", ({ expect }) => {
    const edge = { storm: THRESHOLDS.stormMin, idle: THRESHOLDS.idleMax, fanout: THRESHOLDS.fanoutMin };
    expect(decide(edge).pass).toBe(true);
  });

  it("lists every failed ratio", ({ expect }) => {
    const v = decide({ storm: 0.4, idle: 2, fanout: 0.5 });
    expect(v.failures).toHaveLength(3);
    expect(v.line).toContain("FAIL (storm 0.40× < 0.55×; idle 2.00× > 1.40×; fanout 0.50× < 1.00×)");
  });

  it("fails a ratio that was not measured instead of passing blind", ({ expect }) => {
    const v = decide({ storm: Number.NaN, idle: Number.NaN, fanout: Number.NaN });
    expect(v.failures).toEqual(["storm not measured", "idle not measured", "fanout not measured"]);
    expect(v.line).toContain("storm=n/a");
  });

  it("passes fan-out when the bare DO delivered nothing in the window", ({ expect }) => {
    const v = decide({ ...today, fanout: Number.POSITIVE_INFINITY });
    expect(v.pass).toBe(true);
    expect(v.line).toContain("fanout=∞");
  });

  it("takes other thresholds", ({ expect }) => {
    expect(decide(today, { stormMin: 0.9, idleMax: 1.1, fanoutMin: 2 }).failures).toHaveLength(3);
  });
});

describe("checkRatios", () => {
  const window = (deliveriesPerSecond: number) =>
    ({ deliveriesPerSecond, p99: 10 }) as BenchRecord["fanout"][0]["median"];
  const storm = (connPerSecond: number) => ({ connPerSecond }) as BenchRecord["storm"][0]["median"];
  const idle = (runtimeBytesPerConn: number) => ({ runtimeBytesPerConn }) as BenchRecord["idle"][0]["result"];
  const c1 = { rooms: 1, clients: 50, perClient: 10 };
  const c2 = { rooms: 10, clients: 20, perClient: 10 };
  const record: BenchRecord = {
    meta: {},
    fanout: [
      { case: c1, target: "roomcast", runs: [], median: window(24_000) },
      { case: c1, target: "bare", runs: [], median: window(12_000) },
      { case: c2, target: "roomcast", runs: [], median: window(30_000) },
      { case: c2, target: "bare", runs: [], median: window(20_000) },
    ],
    storm: [
      { target: "roomcast", runs: [], median: storm(300) },
      { target: "bare+assets", runs: [], median: storm(400) },
    ],
    idle: [
      { target: "roomcast", result: idle(300_000) },
      { target: "bare+assets", result: idle(250_000) },
    ],
    saturation: [],
  };

  it("compares storm and idle with bare+assets and takes the worst fan-out case against bare", ({
    expect,
  }) => {
    expect(checkRatios(record)).toEqual({ storm: 0.75, idle: 1.2, fanout: 1.5 });
  });

  it("gives NaN for a scenario that did not run", ({ expect }) => {
    expect(checkRatios({ ...record, storm: [] }).storm).toBeNaN();
  });
});
