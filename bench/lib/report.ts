// Turns one bench run into the JSON record, the markdown table and the one-line summary of ratios.
import type { IdleResult, RampResult, StormResult, WindowResult } from "./scenarios.ts";
import type { TargetName } from "./targets.ts";

export interface FanoutCase {
  rooms: number;
  clients: number;
  perClient: number;
}

export interface BenchRecord {
  meta: Record<string, string | number | boolean>;
  fanout: { case: FanoutCase; target: TargetName; runs: WindowResult[]; median: WindowResult }[];
  storm: { target: TargetName; runs: StormResult[]; median: StormResult }[];
  idle: { target: TargetName; result: IdleResult }[];
  saturation: { target: TargetName; result: RampResult }[];
  memory?: { variant: string; runtimeBytesPerConn: number }[];
}

export function median<T extends object>(runs: T[]): T {
  const sorted = (k: keyof T) =>
    runs.map((r) => r[k]).sort((a, b) => (typeof a === "number" && typeof b === "number" ? a - b : 0));
  const first = runs[0] as T;
  const out = { ...first };
  for (const k of Object.keys(first) as (keyof T)[]) {
    if (typeof first[k] === "number") out[k] = sorted(k)[Math.floor((runs.length - 1) / 2)] as T[keyof T];
  }
  return out;
}

const n = (x: number) => (Number.isFinite(x) ? Math.round(x).toLocaleString("en-US") : "–");
const ms = (x: number) => (Number.isFinite(x) ? (x < 10 ? x.toFixed(1) : Math.round(x).toString()) : "–");
const pct = (x: number) => `${Math.round(x * 100)}%`;
const cpu = (c: Record<string, number>) =>
  ["runtime", "proxy", "wrangler", "loadgen"].map((k) => pct(c[k] ?? 0)).join(" / ");
const ratio = (a: number, b: number) => (b > 0 && Number.isFinite(a / b) ? `${(a / b).toFixed(2)}×` : "–");
const caseName = (c: FanoutCase) => `${c.rooms}×${c.clients} at ${c.perClient} msg/s`;

export interface Ratios {
  fanout: number;
  p99: number;
  storm: number;
  idle: number;
  sat50: number;
  sat200: number;
}

/** roomcast / `peer` (the bare DO unless named): the worst matrix point for deliveries (min) and p99 (max), and the rest. */
export function ratios(r: BenchRecord, peer: TargetName = "bare"): Ratios {
  const pick = <T>(list: { target: TargetName }[], t: TargetName) =>
    list.find((x) => x.target === t) as T | undefined;
  const fan = r.fanout.filter((f) => f.target === "roomcast");
  const pairs = fan.map((rc) => {
    const bare = r.fanout.find(
      (f) => f.target === peer && JSON.stringify(f.case) === JSON.stringify(rc.case),
    )?.median;
    return {
      d: bare ? rc.median.deliveriesPerSecond / bare.deliveriesPerSecond : Number.NaN,
      p: bare ? rc.median.p99 / bare.p99 : Number.NaN,
    };
  });
  const storm = (t: TargetName) =>
    pick<BenchRecord["storm"][0]>(r.storm, t)?.median.connPerSecond ?? Number.NaN;
  const idle = (t: TargetName) =>
    pick<BenchRecord["idle"][0]>(r.idle, t)?.result.runtimeBytesPerConn ?? Number.NaN;
  const sat = (t: TargetName, clients: number) =>
    r.saturation.find((s) => s.target === t && s.result.clients === clients)?.result.sustained ?? Number.NaN;
  return {
    fanout: pairs.length ? Math.min(...pairs.map((x) => x.d)) : Number.NaN,
    p99: pairs.length ? Math.max(...pairs.map((x) => x.p)) : Number.NaN,
    storm: storm("roomcast") / storm(peer),
    idle: idle("roomcast") / idle(peer),
    sat50: sat("roomcast", 50) / sat(peer, 50),
    sat200: sat("roomcast", 200) / sat(peer, 200),
  };
}

const x2 = (v: number) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : "n/a");

export function summaryLine(q: Ratios, peer: TargetName = "bare"): string {
  return `roomcast/${peer} fanout=${x2(q.fanout)} p99=${x2(q.p99)} storm=${x2(q.storm)} idle=${x2(q.idle)} sat50=${x2(q.sat50)} sat200=${x2(q.sat200)}`;
}

/** roomcast against the bare DO behind the same static-assets router: connections like for like. */
export function likeForLikeLine(r: BenchRecord): string {
  const storm = (t: TargetName) => r.storm.find((s) => s.target === t)?.median.connPerSecond ?? Number.NaN;
  const cpu = (t: TargetName) => r.storm.find((s) => s.target === t)?.median.runtimeMsPerConn ?? Number.NaN;
  const idle = (t: TargetName) =>
    r.idle.find((i) => i.target === t)?.result.runtimeBytesPerConn ?? Number.NaN;
  return `roomcast/bare+assets storm=${x2(storm("roomcast") / storm("bare+assets"))} storm-cpu=${x2(cpu("roomcast") / cpu("bare+assets"))} idle=${x2(idle("roomcast") / idle("bare+assets"))}`;
}

export function markdown(r: BenchRecord): string {
  const lines: string[] = [];
  lines.push(`# Bench run ${r.meta.date}`, "");
  lines.push(
    Object.entries(r.meta)
      .map(([k, v]) => `- ${k}: ${v}`)
      .join("\n"),
    "",
  );
  lines.push(
    "CPU is each process's share of one core over the window: runtime (workerd running the Worker and",
    "its Durable Objects) / proxy (wrangler's workerd in front) / wrangler (Node) / loadgen (this process).",
    "",
  );
  if (r.fanout.length) {
    lines.push("## Fan-out (medians)", "");
    lines.push(
      "| case | target | deliveries/s | offered/s | received | drops | p50 ms | p95 ms | p99 ms | CPU runtime / proxy / wrangler / loadgen | runtime µs/publish | vs bare: deliveries, p99 |",
    );
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const f of r.fanout) {
      const m = f.median;
      const bare = r.fanout.find(
        (b) => b.target === "bare" && JSON.stringify(b.case) === JSON.stringify(f.case),
      );
      const vs =
        f.target === "bare" || !bare
          ? ""
          : `${ratio(m.deliveriesPerSecond, bare.median.deliveriesPerSecond)}, ${ratio(m.p99, bare.median.p99)}`;
      lines.push(
        `| ${caseName(f.case)} | ${f.target} | ${n(m.deliveriesPerSecond)} | ${n(m.offered)} | ${pct(m.share)} | ${n(m.drops)} | ${ms(m.p50)} | ${ms(m.p95)} | ${ms(m.p99)} | ${cpu(m.cpu)} | ${n(m.runtimeUsPerPublish)} | ${vs} |`,
      );
    }
    lines.push("");
  }
  if (r.storm.length) {
    lines.push("## Connection storm (medians)", "");
    lines.push(
      "| target | sockets | ready | failures | seconds | conn/s | CPU runtime / proxy / wrangler / loadgen | CPU ms/conn runtime, proxy |",
    );
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const s of r.storm) {
      const m = s.median;
      lines.push(
        `| ${s.target} | ${n(m.sockets)} | ${n(m.ok)} | ${n(m.failures)} | ${m.seconds.toFixed(2)} | ${n(m.connPerSecond)} | ${cpu(m.cpu)} | ${m.runtimeMsPerConn}, ${m.proxyMsPerConn} |`,
      );
    }
    lines.push("");
  }
  if (r.idle.length) {
    lines.push("## Idle memory per connection", "");
    lines.push(
      "| target | sockets | failures | connect s | runtime KB/conn | proxy KB/conn | runtime RSS before → after MB | runtime KB/conn after quiet |",
    );
    lines.push("| --- | --- | --- | --- | --- | --- | --- | --- |");
    for (const { target, result: i } of r.idle) {
      const later =
        i.runtimeBytesPerConnLater === null
          ? "–"
          : `${n(i.runtimeBytesPerConnLater / 1024)} (${i.laterSeconds} s)`;
      lines.push(
        `| ${target} | ${n(i.sockets)} | ${n(i.failures)} | ${i.connectSeconds.toFixed(2)} | ${n(i.runtimeBytesPerConn / 1024)} | ${n(i.proxyBytesPerConn / 1024)} | ${n(i.runtimeRssBefore / 2 ** 20)} → ${n(i.runtimeRssAfter / 2 ** 20)} | ${later} |`,
      );
    }
    lines.push("");
  }
  if (r.saturation.length) {
    lines.push("## Saturation ramp (1 room; pass: nothing lost and p99 ≤ 250 ms)", "");
    lines.push(
      "| target | clients | sustained deliveries/s | steps: publishes/s → deliveries/s, p99 ms, lost (✓ pass) |",
    );
    lines.push("| --- | --- | --- | --- |");
    for (const { target, result: s } of r.saturation) {
      const steps = s.steps
        .map(
          (x) =>
            `${n(x.publishesPerSecond)} → ${n(x.deliveriesPerSecond)}, ${ms(x.p99)}, ${n(x.drops)}${x.pass ? " ✓" : ""}`,
        )
        .join("; ");
      lines.push(`| ${target} | ${s.clients} | ${n(s.sustained)} | ${steps} |`);
    }
    lines.push("");
  }
  if (r.memory?.length) {
    lines.push("## Where idle memory goes (the bare DO, a fresh server per variant)", "");
    lines.push("| variant | runtime KB/conn |", "| --- | --- |");
    for (const m of r.memory) lines.push(`| ${m.variant} | ${n(m.runtimeBytesPerConn / 1024)} |`);
    lines.push("");
  }
  const q = ratios(r);
  lines.push(
    "## roomcast / bare",
    "",
    "fanout = the lowest deliveries/s ratio over the matrix, p99 = the highest p99 ratio; idle compares",
    "runtime memory per connection (lower is better, like p99); the others are higher-is-better.",
    "",
    `\`${summaryLine(q)}\``,
    "",
  );
  if (r.fanout.some((f) => f.target === "partyserver")) {
    lines.push(
      "Against partyserver (hibernating, the same broadcast through its API):",
      "",
      `\`${summaryLine(ratios(r, "partyserver"), "partyserver")}\``,
      "",
    );
  }
  if (r.storm.some((s) => s.target === "bare+assets") || r.idle.some((i) => i.target === "bare+assets")) {
    lines.push(
      "Like for like (locally, roomcast's page puts the static-assets router in front of every upgrade and",
      "frame; bare+assets is the bare DO behind the same router; storm-cpu is runtime CPU per connect, lower",
      "is better):",
      "",
      `\`${likeForLikeLine(r)}\``,
      "",
    );
  }
  return lines.join("\n");
}
