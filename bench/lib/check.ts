// The CI performance guard (`npm run bench -- --quick --check`): picks the like-for-like ratios out of a
// bench run and decides pass or fail against thresholds set well below today's figures minus the noise.
// Pure: no servers, no clock. bench/RESULTS.md says how the thresholds were chosen.
import { type BenchRecord, ratios } from "./report.ts";
import type { TargetName } from "./targets.ts";

/** The three ratios the guard compares, each like for like, and storm-cpu, shown for information. */
export interface CheckRatios {
  /** storm conn/s, roomcast / bare+assets (higher is better) */
  storm: number;
  /** runtime memory per idle connection, roomcast / bare+assets (lower is better) */
  idle: number;
  /** the lowest deliveries/s ratio over the fan-out cases, roomcast / bare (higher is better) */
  fanout: number;
  /**
   * the lowest share of the offered deliveries roomcast made over the fan-out cases (0–1): when the
   * bare DO keeps up with the offered load as well, the ratio is about 1 and only this says roomcast
   * did not fall behind
   */
  fanoutShare?: number;
  /** runtime CPU per storm connect, roomcast / bare+assets (lower is better): no threshold, but checked */
  stormCpu?: number;
  /**
   * Why a ratio is not a measurement, by ratio: a figure behind it was missing, zero, negative or NaN
   * (e.g. a server restarted mid-run, or every try of a scenario was discarded). Each fails the guard.
   */
  invalid?: Partial<Record<RatioName, string>>;
}

export type RatioName = "storm" | "idle" | "fanout" | "stormCpu";

/** The name a ratio has in the guard's line. */
const LABEL: Record<RatioName, string> = {
  storm: "storm",
  idle: "idle",
  fanout: "fanout",
  stormCpu: "storm-cpu",
};

export interface Thresholds {
  /** fail when storm is below this */
  stormMin: number;
  /** fail when idle is above this */
  idleMax: number;
  /** fail when fanout is below this, unless roomcast delivered at least `fanoutKeptUp` of the offered load */
  fanoutMin: number;
  /** the share of the offered deliveries (0–1) that counts as keeping up */
  fanoutKeptUp: number;
}

/**
 * Gross regressions only. On 2026-12-03 (2 shared vCPUs, four runs) the check measured storm
 * 0.76–1.07×, idle 1.14–1.17×, fan-out 1.65–2.98×: bench/RESULTS.md ("The CI guard") says why these.
 */
export const THRESHOLDS = {
  stormMin: 0.55,
  idleMax: 1.4,
  fanoutMin: 1,
  fanoutKeptUp: 0.9,
} as const satisfies Thresholds;

export interface Verdict {
  pass: boolean;
  /** one reason per failed ratio, e.g. "storm 0.52× < 0.60×" or "idle not measured" */
  failures: string[];
  /** the ratios, the thresholds and the verdict on one line */
  line: string;
}

const x2 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : Number.isNaN(v) ? "n/a" : "∞");
const pct = (v: number) => `${Math.round(v * 100)}%`;

/**
 * Decides the guard. A ratio that was not measured (NaN: a scenario failed, was skipped or discarded)
 * fails, and so does one whose figures are garbage (`invalid`, or a ratio of zero, below zero or
 * infinite): a guard that cannot see must not pass. The one exception is an infinite fan-out ratio (the
 * bare DO delivered nothing in the window while roomcast did), which passes. storm-cpu has no
 * threshold; it is checked for sense like the others when present.
 */
export function decide(r: CheckRatios, t: Thresholds = THRESHOLDS): Verdict {
  const failures: string[] = [];
  /** True when `v` can be compared with a threshold; otherwise records why not. */
  const sane = (name: RatioName, v: number, infinityOk = false): boolean => {
    const why = r.invalid?.[name];
    if (why !== undefined) failures.push(`${LABEL[name]} not measured: ${why}`);
    else if (Number.isNaN(v)) failures.push(`${LABEL[name]} not measured`);
    else if (v <= 0 || (v === Number.POSITIVE_INFINITY && !infinityOk))
      failures.push(`${LABEL[name]} ${x2(v)} is not a measurement`);
    else return true;
    return false;
  };
  if (sane("storm", r.storm) && r.storm < t.stormMin)
    failures.push(`storm ${x2(r.storm)} < ${x2(t.stormMin)}`);
  if (sane("idle", r.idle) && r.idle > t.idleMax) failures.push(`idle ${x2(r.idle)} > ${x2(t.idleMax)}`);
  const share = r.fanoutShare;
  if (sane("fanout", r.fanout, true) && r.fanout < t.fanoutMin) {
    if (share === undefined) failures.push(`fanout ${x2(r.fanout)} < ${x2(t.fanoutMin)}`);
    else if (share < t.fanoutKeptUp)
      failures.push(
        `fanout ${x2(r.fanout)} < ${x2(t.fanoutMin)} and ${pct(share)} delivered < ${pct(t.fanoutKeptUp)}`,
      );
  }
  if (r.stormCpu !== undefined || r.invalid?.stormCpu !== undefined)
    sane("stormCpu", r.stormCpu ?? Number.NaN);
  const pass = failures.length === 0;
  const line =
    `bench check: storm=${x2(r.storm)} (≥ ${x2(t.stormMin)}) idle=${x2(r.idle)} (≤ ${x2(t.idleMax)}) ` +
    `vs bare+assets; fanout=${x2(r.fanout)} (≥ ${x2(t.fanoutMin)}` +
    (share === undefined ? "" : `, or ≥ ${pct(t.fanoutKeptUp)} delivered: ${pct(share)}`) +
    `) vs bare` +
    (r.stormCpu === undefined ? "" : `; storm-cpu=${x2(r.stormCpu)} (information)`) +
    `: ${pass ? "pass" : `FAIL (${failures.join("; ")})`}`;
  return { pass, failures, line };
}

/** roomcast's lowest delivered share of the offered load over the fan-out cases, when every case has one. */
function fanoutShareOf(rec: BenchRecord): { fanoutShare?: number } {
  const shares = rec.fanout.filter((f) => f.target === "roomcast").map((f) => f.median.share);
  if (shares.length === 0 || !shares.every((x) => typeof x === "number" && Number.isFinite(x))) return {};
  return { fanoutShare: Math.min(...shares) };
}

/** Why `v` is not a figure the guard can use (missing, NaN, zero or below, infinite), or undefined. */
function badFigure(what: string, v: number | undefined, zeroOk = false): string | undefined {
  if (v === undefined) return `no ${what} (failed, skipped or discarded)`;
  if (!Number.isFinite(v)) return `${what} is ${v}`;
  if (v < 0 || (v === 0 && !zeroOk)) return `${what} is ${v}`;
  return undefined;
}

/**
 * The guard's ratios from a run: storm, storm-cpu and idle against bare+assets, fan-out against the bare
 * DO; with every figure behind them checked for sense first (`invalid`).
 */
export function checkRatios(rec: BenchRecord): CheckRatios {
  const invalid: Partial<Record<RatioName, string>> = {};
  const storm = (t: TargetName) => rec.storm.find((s) => s.target === t)?.median;
  const idle = (t: TargetName) => rec.idle.find((i) => i.target === t)?.result.runtimeBytesPerConn;
  /** `a / b` when both figures make sense, else NaN with the first reason noted under `name`. */
  const ratio = (name: RatioName, a: [string, number | undefined], b: [string, number | undefined]) => {
    const why = badFigure(...a) ?? badFigure(...b);
    if (why === undefined) return (a[1] as number) / (b[1] as number);
    invalid[name] = why;
    return Number.NaN;
  };
  const result = {
    storm: ratio(
      "storm",
      ["roomcast storm conn/s", storm("roomcast")?.connPerSecond],
      ["bare+assets storm conn/s", storm("bare+assets")?.connPerSecond],
    ),
    stormCpu: ratio(
      "stormCpu",
      ["roomcast runtime CPU ms/conn", storm("roomcast")?.runtimeMsPerConn],
      ["bare+assets runtime CPU ms/conn", storm("bare+assets")?.runtimeMsPerConn],
    ),
    idle: ratio(
      "idle",
      ["roomcast runtime bytes/conn", idle("roomcast")],
      ["bare+assets runtime bytes/conn", idle("bare+assets")],
    ),
    fanout: ratios(rec).fanout,
    ...fanoutShareOf(rec),
  };
  // Fan-out: in every case that ran for either server, roomcast must have delivered; the bare DO may
  // have delivered nothing (∞). A case with one side missing (discarded) is not compared silently.
  const cases = [...new Set(rec.fanout.map((f) => JSON.stringify(f.case)))];
  if (cases.length === 0) invalid.fanout = "no fan-out case (failed, skipped or discarded)";
  for (const key of cases) {
    const of = (t: TargetName) =>
      rec.fanout.find((f) => f.target === t && JSON.stringify(f.case) === key)?.median.deliveriesPerSecond;
    const c = JSON.parse(key) as { rooms: number; clients: number };
    const name = `${c.rooms}×${c.clients}`;
    const why =
      badFigure(`roomcast ${name} deliveries/s`, of("roomcast")) ??
      badFigure(`bare ${name} deliveries/s`, of("bare"), true);
    if (why !== undefined && invalid.fanout === undefined) invalid.fanout = why;
  }
  if (invalid.fanout !== undefined) result.fanout = Number.NaN;
  return Object.keys(invalid).length > 0 ? { ...result, invalid } : result;
}
