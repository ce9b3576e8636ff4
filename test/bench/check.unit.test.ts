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

  it("prints storm-cpu as information, without a threshold", ({ expect }) => {
    const v = decide({ ...today, stormCpu: 3.5 });
    expect(v.pass).toBe(true);
    expect(v.line).toBe(
      "bench check: storm=0.78× (≥ 0.55×) idle=1.16× (≤ 1.40×) vs bare+assets; fanout=1.63× (≥ 1.00×) vs bare; storm-cpu=3.50× (information): pass",
    );
  });

  it("fails a ratio whose figures were garbage, saying which figure", ({ expect }) => {
    const v = decide({
      ...today,
      stormCpu: Number.NaN,
      invalid: { stormCpu: "bare+assets runtime CPU ms/conn is -0.4" },
    });
    expect(v.failures).toEqual(["storm-cpu not measured: bare+assets runtime CPU ms/conn is -0.4"]);
    expect(v.line).toContain("storm-cpu=n/a (information): FAIL (storm-cpu not measured: bare+assets");
  });

  it("fails zero, negative and infinite ratios instead of comparing them", ({ expect }) => {
    const v = decide({ storm: Number.POSITIVE_INFINITY, idle: 0, fanout: -1, stormCpu: -0.5 });
    expect(v.failures).toEqual([
      "storm ∞ is not a measurement",
      "idle 0.00× is not a measurement",
      "fanout -1.00× is not a measurement",
      "storm-cpu -0.50× is not a measurement",
    ]);
  });

  it("passes a fan-out below 1× when roomcast delivered at least 90% of what was offered in every case", ({
    expect,
  }) => {
    // On a quiet machine the bare DO keeps up with the offered load too, and the ratio is about 1.
    const keptUp = decide({ ...today, fanout: 0.97, fanoutShare: 0.98 });
    expect(keptUp.pass).toBe(true);
    expect(keptUp.line).toContain("fanout=0.97× (≥ 1.00×, or ≥ 90% delivered: 98%) vs bare");
    expect(decide({ ...today, fanout: 0.97, fanoutShare: 0.85 }).failures).toEqual([
      "fanout 0.97× < 1.00× and 85% delivered < 90%",
    ]);
  });

  it("takes other thresholds", ({ expect }) => {
    expect(
      decide(today, { stormMin: 0.9, idleMax: 1.1, fanoutMin: 2, fanoutKeptUp: 0.9 }).failures,
    ).toHaveLength(3);
  });
});

describe("checkRatios", () => {
  const window = (deliveriesPerSecond: number, share = 1) =>
    ({ deliveriesPerSecond, p99: 10, share }) as BenchRecord["fanout"][0]["median"];
  const storm = (connPerSecond: number, runtimeMsPerConn: number) =>
    ({ connPerSecond, runtimeMsPerConn }) as BenchRecord["storm"][0]["median"];
  const idle = (runtimeBytesPerConn: number) => ({ runtimeBytesPerConn }) as BenchRecord["idle"][0]["result"];
  const c1 = { rooms: 1, clients: 50, perClient: 10 };
  const c2 = { rooms: 10, clients: 20, perClient: 10 };
  const record: BenchRecord = {
    meta: {},
    fanout: [
      { case: c1, target: "roomcast", runs: [], median: window(24_000) },
      { case: c1, target: "bare", runs: [], median: window(12_000) },
      { case: c2, target: "roomcast", runs: [], median: window(30_000, 0.95) },
      { case: c2, target: "bare", runs: [], median: window(20_000) },
    ],
    storm: [
      { target: "roomcast", runs: [], median: storm(300, 5) },
      { target: "bare+assets", runs: [], median: storm(400, 4) },
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
    expect(checkRatios(record)).toEqual({
      storm: 0.75,
      idle: 1.2,
      fanout: 1.5,
      fanoutShare: 0.95,
      stormCpu: 1.25,
    });
    expect(decide(checkRatios(record)).line).toContain("storm-cpu=1.25× (information): pass");
  });

  it("gives NaN for a scenario that did not run, and says so", ({ expect }) => {
    const r = checkRatios({ ...record, storm: [] });
    expect(r.storm).toBeNaN();
    expect(r.stormCpu).toBeNaN();
    expect(r.invalid?.storm).toBe("no roomcast storm conn/s (failed, skipped or discarded)");
    expect(decide(r).pass).toBe(false);
  });

  it("flags the negative runtime CPU of a storm across a runtime restart instead of taking its ratio", ({
    expect,
  }) => {
    // Both figures negative: their ratio (a plausible 1.25×) must not pass for a measurement.
    const broken = {
      ...record,
      storm: [
        { target: "roomcast" as const, runs: [], median: storm(300, -5) },
        { target: "bare+assets" as const, runs: [], median: storm(400, -4) },
      ],
    };
    const r = checkRatios(broken);
    expect(r.stormCpu).toBeNaN();
    expect(r.invalid).toEqual({ stormCpu: "roomcast runtime CPU ms/conn is -5" });
    const v = decide(r);
    expect(v.pass).toBe(false);
    expect(v.failures).toEqual(["storm-cpu not measured: roomcast runtime CPU ms/conn is -5"]);
  });

  it("flags zero conn/s and zero idle memory", ({ expect }) => {
    const r = checkRatios({
      ...record,
      storm: [
        { target: "roomcast", runs: [], median: storm(300, 5) },
        { target: "bare+assets", runs: [], median: storm(0, 4) },
      ],
      idle: [
        { target: "roomcast", result: idle(0) },
        { target: "bare+assets", result: idle(250_000) },
      ],
    });
    expect(r.invalid).toEqual({
      storm: "bare+assets storm conn/s is 0",
      idle: "roomcast runtime bytes/conn is 0",
    });
    expect(decide(r).failures).toHaveLength(2);
  });

  it("accepts a bare DO that delivered nothing but not a roomcast that did not", ({ expect }) => {
    const bareZero = {
      ...record,
      fanout: record.fanout.map((f, i) => (i === 3 ? { ...f, median: window(0) } : f)),
    };
    const ok = checkRatios(bareZero);
    expect(ok.invalid).toBeUndefined();
    expect(ok.fanout).toBe(2);
    const rcZero = {
      ...record,
      fanout: record.fanout.map((f, i) => (i === 2 ? { ...f, median: window(0) } : f)),
    };
    const bad = checkRatios(rcZero);
    expect(bad.fanout).toBeNaN();
    expect(bad.invalid).toEqual({ fanout: "roomcast 10×20 deliveries/s is 0" });
  });

  it("fails when no fan-out case ran", ({ expect }) => {
    const r = checkRatios({ ...record, fanout: [] });
    expect(r.invalid?.fanout).toBe("no fan-out case (failed, skipped or discarded)");
    expect(decide(r).failures).toContain(
      "fanout not measured: no fan-out case (failed, skipped or discarded)",
    );
  });

  it("does not compare the other case alone when one server's case was discarded", ({ expect }) => {
    const r = checkRatios({ ...record, fanout: record.fanout.filter((_, i) => i !== 2) });
    expect(r.fanout).toBeNaN();
    expect(r.invalid?.fanout).toBe("no roomcast 10×20 deliveries/s (failed, skipped or discarded)");
  });
});
