// `npm run bench`: roomcast against a bare hibernatable broadcast Durable Object (bench/baseline), in one
// run on this machine: fan-out matrix, connection storm, idle memory per connection, saturation ramp.
// Writes bench/results/<date>-<mode>.{json,md}; the last line printed is the ratio summary.
// `npm run bench -- --quick` checks a change in under two minutes. `--check` (CI's performance guard) runs
// only what the guard compares, prints its verdict as the last line and exits 1 on a gross regression.
// Servers are started and stopped here.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/dev-server.ts";
import { checkRatios, decide } from "./lib/check.ts";
import { closeAll } from "./lib/fleet.ts";
import { memoryProbes } from "./lib/memory-probe.ts";
import { waitQuiet } from "./lib/procs.ts";
import {
  type BenchRecord,
  type FanoutCase,
  likeForLikeLine,
  markdown,
  median,
  ratios,
  summaryLine,
} from "./lib/report.ts";
import {
  connectFleet,
  fanoutWindow,
  idleMemory,
  saturationRamp,
  storm,
  type WindowResult,
} from "./lib/scenarios.ts";
import { parseProtocol, startBare, startPartyserver, startRoomcast, type Target } from "./lib/targets.ts";

const started = performance.now();
const { values: args } = parseArgs({
  options: {
    quick: { type: "boolean", default: false },
    /** the CI guard: storm and idle against bare+assets, two fan-out cases against bare; exit 1 on a regression */
    check: { type: "boolean", default: false },
    reps: { type: "string" },
    seconds: { type: "string" },
    "log-level": { type: "string" },
    "no-batch": { type: "boolean", default: false },
    /** roomcast's wire protocol version (`?v=`): 2, as the client library asks, or 1 (welcome + synced) */
    protocol: { type: "string", default: "2" },
    /** partyserver is compared in full runs; `--partyserver` adds it to a quick one, `--no-partyserver` drops it */
    partyserver: { type: "boolean", default: false },
    "no-partyserver": { type: "boolean", default: false },
    "idle-later": { type: "string" },
    only: { type: "string" },
    /** more [vars] for roomcast, e.g. `--var PRESENCE_LIMIT=0` (repeatable) */
    var: { type: "string", multiple: true },
  },
});

const check = args.check;
const quick = args.quick || check;
const reps = Number(args.reps ?? (quick ? 1 : 3));
/** The storm is the noisiest ratio: the guard takes the median of 3 smaller storms. */
const stormReps = check ? Math.max(3, reps) : reps;
const seconds = Number(args.seconds ?? (quick ? 2 : 10));
/** Sockets for the storm and the idle-memory count: the sizes, halved in quick mode. */
const stormSockets = check ? 300 : quick ? 500 : 1000;
const idleSockets = quick ? 500 : 2000;
/**
 * Scenarios that would start after this many seconds are skipped (and listed as skipped). The guard
 * has fewer scenarios and must not skip one on a busy machine (a skipped ratio fails it).
 */
const budgetSeconds = check ? 180 : quick ? 100 : 1500;
const only = new Set(
  (args.only ?? (check ? "idle,storm,fanout" : "idle,storm,fanout,saturation")).split(","),
);
/** roomcast's LOG_LEVEL: the one wrangler.toml ships unless --log-level says otherwise. */
const logLevel =
  args["log-level"] ??
  /^LOG_LEVEL\s*=\s*"(\w+)"/m.exec(readFileSync(join(ROOT, "wrangler.toml"), "utf8"))?.[1] ??
  "info";
const batch = !args["no-batch"];
const protocol = parseProtocol(args.protocol);
const withPartyserver = !check && (args.partyserver || (!quick && !args["no-partyserver"]));
const vars = Object.fromEntries(
  (args.var ?? []).map((kv) => {
    const at = kv.indexOf("=");
    if (at <= 0) throw new Error(`--var wants NAME=value, got '${kv}'`);
    return [kv.slice(0, at), kv.slice(at + 1)];
  }),
);

const FULL_MATRIX: FanoutCase[] = [
  { rooms: 1, clients: 50, perClient: 10 },
  { rooms: 10, clients: 20, perClient: 10 },
  { rooms: 1, clients: 200, perClient: 2 },
];
/** The guard's fan-out: the same offered rate per socket, one room and ten (1×200 needs the longest connect). */
const MATRIX = check ? FULL_MATRIX.slice(0, 2) : FULL_MATRIX;

function log(line: string): void {
  process.stderr.write(`[bench ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}

const targets: Target[] = [];
/** Measured in the storm and idle scenarios only. */
const references: Target[] = [];
/**
 * Who takes part in storm and idle: everyone, or for the guard roomcast and its like-for-like peer only
 * (the bare DO without the router is compared in fan-out).
 */
const connectTargets = () =>
  [...targets, ...references].filter((t) => !check || t.name === "roomcast" || t.name === "bare+assets");
const skipped: string[] = [];
/** True when the scenario was asked for and the time budget allows starting it. */
function want(scenario: string): boolean {
  if (!only.has(scenario)) return false;
  if ((performance.now() - started) / 1000 < budgetSeconds) return true;
  skipped.push(scenario);
  log(`skipping ${scenario}: past the ${budgetSeconds} s budget (a busy machine?)`);
  return false;
}
/** Figures thrown away because a server restarted while they were measured, e.g. "storm roomcast". */
const discarded: string[] = [];
/**
 * Runs a measurement, and once more if a server process was replaced meanwhile (`wrangler dev` restarts
 * its runtime when a watched file changes, e.g. dist/web, which bare+assets serves): a figure across
 * that restart reads the old process's CPU and memory. Null, said in the log, if it happened twice.
 */
async function measured<T extends { replaced: string[] }>(
  what: string,
  run: () => Promise<T>,
): Promise<T | null> {
  for (let attempt = 1; attempt <= 2; attempt++) {
    const r = await run();
    if (r.replaced.length === 0) return r;
    discarded.push(what);
    log(
      `${what}: ${r.replaced.join(", ")} restarted (a new pid) during the measurement: figure discarded` +
        (attempt === 1 ? ", measuring again" : ""),
    );
  }
  return null;
}
const stopAll = () => Promise.all([...targets, ...references].map((t) => t.server.dispose()));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void stopAll().finally(() => process.exit(130)));
}
// Bounded: whatever happens, the run ends (and its servers stop) within this long.
const hardStop = setTimeout(
  () => {
    log("hard deadline reached; stopping servers");
    void stopAll().finally(() => process.exit(2));
  },
  (budgetSeconds + 120) * 1000,
);
hardStop.unref();

const wranglerVersion = execFileSync(
  process.execPath,
  [join(ROOT, "node_modules/wrangler/bin/wrangler.js"), "--version"],
  {
    encoding: "utf8",
    env: { ...process.env, WRANGLER_SEND_METRICS: "false" },
  },
).trim();
const record: BenchRecord = {
  meta: {
    date: new Date().toISOString(),
    mode: check ? "check" : quick ? "quick" : "full",
    machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB`,
    node: process.version,
    wrangler: wranglerVersion,
    roomcastLogLevel: logLevel,
    roomcastBatch: batch,
    roomcastProtocol: protocol,
    roomcastVars:
      Object.entries(vars)
        .map(([k, v]) => `${k}=${v}`)
        .join(" ") || "none",
    repetitions: reps,
    stormRepetitions: stormReps,
    windowSeconds: seconds,
    payloadBytes: 64,
    stormSockets,
    idleSockets,
  },
  fanout: [],
  storm: [],
  idle: [],
  saturation: [],
};

try {
  if ([...only].some((s) => s !== "memory")) {
    log(
      `starting roomcast (LOG_LEVEL=${logLevel}, batch=${batch}, protocol ${protocol}) and the bare DO with wrangler dev`,
    );
    targets.push(
      ...(await Promise.all([
        startRoomcast({ logLevel, batch, protocol, vars }),
        startBare(),
        ...(withPartyserver ? [startPartyserver()] : []),
      ])),
    );
    // Like for like for connections: locally every upgrade and frame of roomcast's also passes the
    // static-assets router worker that its page needs (production serves assets in front of the Worker).
    if (only.has("storm") || only.has("idle")) references.push(await startBare({ assets: true }));
  }
  for (const t of targets)
    log(
      `${t.name} on ${t.server.url}: runtime pid ${t.procs.runtime}, proxy pid ${t.procs.proxy} (found again per measurement)`,
    );

  if (want("idle")) {
    for (const t of connectTargets()) {
      const later = Number(args["idle-later"] ?? (quick ? 0 : 15)) * 1000;
      const result = await measured(`idle ${t.name}`, () =>
        idleMemory(t, 10, idleSockets / 10, quick ? 1000 : 2000, later),
      );
      log(`idle ${t.name}: runtime quiet ${await waitQuiet(() => t.procs.runtime)} s after the close`);
      if (result === null) continue;
      record.idle.push({ target: t.name, result });
      log(
        `idle ${t.name}: ${Math.round(result.runtimeBytesPerConn / 1024)} KB/conn in the runtime (${result.sockets} sockets, ${result.failures} failed)`,
      );
    }
  }

  if (want("storm")) {
    const runs = new Map<string, Awaited<ReturnType<typeof storm>>[]>();
    const all = connectTargets();
    for (let i = 0; i < stormReps; i++) {
      for (const t of i % 2 ? [...all].reverse() : all) {
        const s = await measured(`storm ${t.name}`, async () => {
          const r = await storm(t, 10, stormSockets / 10);
          const quiet = await waitQuiet(() => t.procs.runtime);
          log(
            `storm ${t.name}: ${r.connPerSecond} conn/s, ${r.runtimeMsPerConn} ms runtime CPU/conn, ${r.failures} failed; runtime quiet ${quiet} s after the close`,
          );
          return r;
        });
        if (s !== null) runs.set(t.name, [...(runs.get(t.name) ?? []), s]);
      }
    }
    for (const t of all) {
      const r = runs.get(t.name) ?? [];
      if (r.length > 0) record.storm.push({ target: t.name, runs: r, median: median(r) });
    }
  }

  if (want("fanout")) {
    for (const c of MATRIX) {
      const fleets = [];
      for (const t of targets) fleets.push(await connectFleet(t, c.rooms, c.clients));
      const runs = new Map<string, WindowResult[]>();
      try {
        for (const f of fleets)
          await fanoutWindow(f, { perClient: c.perClient / 2, seconds: 1, drainMs: 2000 }); // warm-up
        for (let i = 0; i < reps; i++) {
          for (const f of i % 2 ? [...fleets].reverse() : fleets) {
            const w = await fanoutWindow(f, { perClient: c.perClient, seconds, drainMs: 3000 });
            const what = `fanout ${c.rooms}×${c.clients}@${c.perClient} ${f.target.name}`;
            if (w.replaced.length > 0) {
              // Not measured again: the fleet was connected to the old runtime.
              discarded.push(what);
              log(`${what}: ${w.replaced.join(", ")} restarted during the window: figure discarded`);
              continue;
            }
            runs.set(f.target.name, [...(runs.get(f.target.name) ?? []), w]);
            log(`${what}: ${w.deliveriesPerSecond}/s, p99 ${w.p99.toFixed(1)} ms, lost ${w.drops}`);
          }
        }
      } finally {
        for (const f of fleets) await closeAll(f.rooms.flat());
        for (const t of targets) await waitQuiet(() => t.procs.runtime);
      }
      for (const t of targets) {
        const r = runs.get(t.name) ?? [];
        if (r.length > 0) record.fanout.push({ case: c, target: t.name, runs: r, median: median(r) });
      }
    }
  }

  if (want("saturation")) {
    for (const clients of [50, 200]) {
      for (const t of targets) {
        // Total publishes/s: start low enough for the bare DO, grow geometrically.
        const result = await saturationRamp(t, clients, {
          start: (clients === 50 ? 200 : 50) * (quick ? 2 : 1),
          factor: quick ? 1.6 : 1.25,
          maxSteps: quick ? 4 : 14,
          seconds: quick ? 2 : 5,
        });
        if (result.replaced.length > 0) {
          discarded.push(`saturation 1×${clients} ${t.name}`);
          log(`saturation 1×${clients} ${t.name}: ${result.replaced.join(", ")} restarted: ramp discarded`);
          continue;
        }
        record.saturation.push({ target: t.name, result });
        log(`saturation 1×${clients} ${t.name}: sustained ${result.sustained} deliveries/s`);
      }
    }
  }
  if (only.has("memory")) {
    // Opt-in (not in the default list): fresh servers of its own, after the comparison's are stopped.
    await stopAll();
    targets.length = 0;
    references.length = 0;
    record.memory = await memoryProbes(idleSockets, logLevel);
    for (const m of record.memory)
      log(`memory ${m.variant}: ${Math.round(m.runtimeBytesPerConn / 1024)} KB/conn`);
  }
} finally {
  await stopAll();
}

record.meta.seconds = Math.round((performance.now() - started) / 1000);
if (skipped.length > 0) record.meta.skipped = skipped.join(", ");
if (discarded.length > 0) record.meta.discardedAfterRestart = discarded.join(", ");
const dir = join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
const stem = join(dir, `${String(record.meta.date).replace(/[:.]/g, "-")}-${record.meta.mode}`);
const md = markdown(record);
writeFileSync(`${stem}.json`, `${JSON.stringify({ ...record, ratios: ratios(record) }, null, 2)}\n`);
writeFileSync(`${stem}.md`, md);
console.log(md);
console.log(`results: ${stem}.{json,md} (${record.meta.seconds} s)`);
console.log(summaryLine(ratios(record)));
if (withPartyserver) console.log(summaryLine(ratios(record, "partyserver"), "partyserver"));
if (
  record.storm.some((s) => s.target === "bare+assets") ||
  record.idle.some((i) => i.target === "bare+assets")
)
  console.log(likeForLikeLine(record));
if (check) {
  const verdict = decide(checkRatios(record));
  console.log(verdict.line);
  if (!verdict.pass) process.exitCode = 1;
}
