// The CI performance guard (`npm run bench -- --quick --check`): picks the like-for-like ratios out of a
// bench run and decides pass or fail against thresholds set well below today's figures minus the noise.
// Pure: no servers, no clock. bench/RESULTS.md says how the thresholds were chosen.
import { type BenchRecord, ratios } from "./report.ts";
import type { TargetName } from "./targets.ts";

/** The three ratios the guard compares, each like for like. */
export interface CheckRatios {
  /** storm conn/s, roomcast / bare+assets (higher is better) */
  storm: number;
  /** runtime memory per idle connection, roomcast / bare+assets (lower is better) */
  idle: number;
  /** the lowest deliveries/s ratio over the fan-out cases, roomcast / bare (higher is better) */
  fanout: number;
}

export interface Thresholds {
  /** fail when storm is below this */
  stormMin: number;
  /** fail when idle is above this */
  idleMax: number;
  /** fail when fanout is below this */
  fanoutMin: number;
}

/**
 * Gross regressions only. On 2026-12-03 (2 shared vCPUs, four runs) the check measured storm
 * 0.76–1.07×, idle 1.14–1.17×, fan-out 1.65–2.98×: bench/RESULTS.md ("The CI guard") says why these.
 */
export const THRESHOLDS = { stormMin: 0.55, idleMax: 1.4, fanoutMin: 1 } as const satisfies Thresholds;

export interface Verdict {
  pass: boolean;
  /** one reason per failed ratio, e.g. "storm 0.52× < 0.60×" or "idle not measured" */
  failures: string[];
  /** the ratios, the thresholds and the verdict on one line */
  line: string;
}

const x2 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : Number.isNaN(v) ? "n/a" : "∞");

/**
 * Decides the guard. A ratio that was not measured (NaN: a scenario failed or was skipped) fails: a guard
 * that cannot see must not pass. An infinite fan-out ratio (the bare DO delivered nothing in the window
 * while roomcast did) passes.
 */
export function decide(r: CheckRatios, t: Thresholds = THRESHOLDS): Verdict {
  const failures: string[] = [];
  const atLeast = (name: string, v: number, min: number) => {
    if (Number.isNaN(v)) failures.push(`${name} not measured`);
    else if (v < min) failures.push(`${name} ${x2(v)} < ${x2(min)}`);
  };
  const atMost = (name: string, v: number, max: number) => {
    if (!Number.isFinite(v)) failures.push(`${name} not measured`);
    else if (v > max) failures.push(`${name} ${x2(v)} > ${x2(max)}`);
  };
  atLeast("storm", r.storm, t.stormMin);
  atMost("idle", r.idle, t.idleMax);
  atLeast("fanout", r.fanout, t.fanoutMin);
  const pass = failures.length === 0;
  const line =
    `bench check: storm=${x2(r.storm)} (≥ ${x2(t.stormMin)}) idle=${x2(r.idle)} (≤ ${x2(t.idleMax)}) ` +
    `vs bare+assets; fanout=${x2(r.fanout)} (≥ ${x2(t.fanoutMin)}) vs bare: ` +
    (pass ? "pass" : `FAIL (${failures.join("; ")})`);
  return { pass, failures, line };
}

/** The guard's ratios from a run: storm and idle against bare+assets, fan-out against the bare DO. */
export function checkRatios(rec: BenchRecord): CheckRatios {
  const storm = (t: TargetName) => rec.storm.find((s) => s.target === t)?.median.connPerSecond ?? Number.NaN;
  const idle = (t: TargetName) =>
    rec.idle.find((i) => i.target === t)?.result.runtimeBytesPerConn ?? Number.NaN;
  return {
    storm: storm("roomcast") / storm("bare+assets"),
    idle: idle("roomcast") / idle("bare+assets"),
    fanout: ratios(rec).fanout,
  };
}
