// `npm run bench:bounded`: the bounded-room figures of issue 8, against `wrangler dev`.
// (a) one room, N sockets of distinct users opened in batches of 1,000: the connect rate of the first
//     batch against the last (target: last ≥ 0.8× first), with presence in count-only mode throughout;
// (b) a soak: K cycles of 200 clients over 4 rooms connecting, publishing 2 msg/s each for a window,
//     then closing; the runtime's RSS after each cycle, roomcast beside the bare DO (bench/baseline).
// Flags: --sockets N (5000), --cycles K (5), --window S (15), --presence-limit L (0 = count-only),
// --only room,soak. Prints a markdown table, writes bench/results/<date>-bounded.{json,md}.
// Servers are started and stopped here, by pid; the run is bounded in sockets and time.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { cpus, loadavg, totalmem } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/dev-server.ts";
import { closeAll, openSockets, spread } from "./lib/fleet.ts";
import { rssBytes } from "./lib/procs.ts";
import { connectFleet, fanoutWindow, freshPrefix } from "./lib/scenarios.ts";
import { startBare, startRoomcast, type Target } from "./lib/targets.ts";

const started = performance.now();
const { values: args } = parseArgs({
  options: {
    sockets: { type: "string", default: "5000" },
    cycles: { type: "string", default: "5" },
    window: { type: "string", default: "15" },
    "presence-limit": { type: "string", default: "0" },
    only: { type: "string", default: "room,soak" },
  },
});
const requested = Number(args.sockets);
/**
 * Locally each socket holds 4 descriptors in wrangler's proxy (two connections, each a socket and its
 * pair) and 2 in the runtime: at this machine's open-file limit (RLIMIT_NOFILE, 20,000 on the shared
 * machines, not raisable) the proxy fails with EMFILE near 4,900 sockets. Stay under it, and say so.
 */
const fdLimit = Number(
  /Max open files\s+(\d+)/.exec(readFileSync("/proc/self/limits", "utf8"))?.[1] ?? "1e9",
);
const fdCap = Math.floor((fdLimit - 500) / 4);
const sockets = Math.min(requested, fdCap);
const cycles = Number(args.cycles);
const windowSeconds = Number(args.window);
const only = new Set(args.only.split(","));
const BATCH = 1000;
for (const [k, v] of [
  ["sockets", sockets],
  ["cycles", cycles],
  ["window", windowSeconds],
] as const) {
  if (!Number.isInteger(v) || v < 1 || v > 30_000) throw new Error(`--${k} must be an integer 1–30000`);
}

function log(line: string): void {
  process.stderr.write(`[bounded ${new Date().toISOString().slice(11, 19)}] ${line}\n`);
}
const load = () =>
  loadavg()
    .map((x) => x.toFixed(2))
    .join(" ");
const mb = (b: number) => Math.round(b / 2 ** 20);

const targets: Target[] = [];
const stopAll = () => Promise.all(targets.map((t) => t.server.dispose()));
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void stopAll().finally(() => process.exit(130)));
}
// Bounded: whatever happens, the servers stop and the run ends within this long.
const limitSeconds = 120 + Math.ceil(sockets / 50) + cycles * 2 * (windowSeconds + 60);
const hardStop = setTimeout(() => {
  log("hard deadline reached; stopping servers");
  void stopAll().finally(() => process.exit(2));
}, limitSeconds * 1000);
hardStop.unref();

interface Batch {
  from: number;
  ok: number;
  failures: number;
  seconds: number;
  connPerSecond: number;
}
interface SoakCycle {
  cycle: number;
  runtimeRssMB: number;
  share: number;
  drops: number;
  p99: number;
}
const meta: Record<string, string | number> = {
  date: new Date().toISOString(),
  machine: `${cpus().length} × ${cpus()[0]?.model ?? "?"}, ${Math.round(totalmem() / 2 ** 30)} GiB, shared`,
  node: process.version,
  loadAtStart: load(),
  sockets,
  ...(sockets < requested
    ? {
        capped: `${requested} asked; ${sockets} fit this machine's open-file limit (${fdLimit}, 4 per socket in the proxy)`,
      }
    : {}),
  presenceLimit: args["presence-limit"],
  cycles,
  windowSeconds,
};
const room: { batches: Batch[]; failures: number; errors: string[]; firstToLast: number } = {
  batches: [],
  failures: 0,
  errors: [],
  firstToLast: Number.NaN,
};
const soak: Record<string, SoakCycle[]> = { roomcast: [], bare: [] };
const rssAtStart: Record<string, number> = {};

try {
  log(`starting roomcast (PRESENCE_LIMIT=${args["presence-limit"]}) and the bare DO; load ${load()}`);
  targets.push(
    ...(await Promise.all([
      startRoomcast({ logLevel: "warn", batch: true, vars: { PRESENCE_LIMIT: args["presence-limit"] } }),
      startBare(),
    ])),
  );
  const [rc, bare] = targets as [Target, Target];

  if (only.has("room")) {
    // One room, distinct users, opened 1,000 at a time; every socket stays open until the end.
    const specs = spread(freshPrefix("bounded"), 1, sockets);
    const open = [];
    for (let from = 0; from < specs.length; from += BATCH) {
      const o = await openSockets(rc, specs.slice(from, from + BATCH), {
        concurrency: 64,
        timeoutMs: 60_000,
        recorder: null,
      });
      open.push(...o.sockets);
      room.failures += o.failures;
      room.errors.push(...o.errors.slice(0, 5 - room.errors.length));
      const b = {
        from,
        ok: o.sockets.length,
        failures: o.failures,
        seconds: Number(o.seconds.toFixed(2)),
        connPerSecond: Math.round(o.sockets.length / o.seconds),
      };
      room.batches.push(b);
      log(
        `room: sockets ${from}–${from + b.ok + b.failures - 1}: ${b.connPerSecond} conn/s, ${b.failures} failed`,
      );
    }
    const first = room.batches[0];
    const last = room.batches[room.batches.length - 1];
    if (first && last) room.firstToLast = last.connPerSecond / first.connPerSecond;
    await closeAll(open, 30_000);
  }

  if (only.has("soak")) {
    for (const t of [rc, bare]) rssAtStart[t.name] = rssBytes(t.procs.runtime);
    for (let c = 1; c <= cycles; c++) {
      // Alternate which server goes first, so neither always runs on a cooler machine.
      for (const t of c % 2 ? [rc, bare] : [bare, rc]) {
        const fleet = await connectFleet(t, 4, 50);
        try {
          const w = await fanoutWindow(fleet, { perClient: 2, seconds: windowSeconds, drainMs: 5000 });
          await closeAll(fleet.rooms.flat());
          const rss = rssBytes(t.procs.runtime);
          soak[t.name]?.push({ cycle: c, runtimeRssMB: mb(rss), share: w.share, drops: w.drops, p99: w.p99 });
          log(
            `soak ${t.name} cycle ${c}: runtime RSS ${mb(rss)} MB, lost ${w.drops}, p99 ${Math.round(w.p99)} ms`,
          );
        } finally {
          await closeAll(fleet.rooms.flat());
        }
      }
    }
  }
} catch (err) {
  // A server that died mid-run (e.g. ECONNREFUSED): show what wrangler printed last, then fail.
  for (const t of targets) log(`${t.name} server output, last lines:\n${t.server.output().slice(-2000)}`);
  throw err;
} finally {
  await stopAll();
}

meta.loadAtEnd = load();
meta.seconds = Math.round((performance.now() - started) / 1000);
const lines = [`# Bounded rooms ${meta.date}`, ""];
lines.push(...Object.entries(meta).map(([k, v]) => `- ${k}: ${v}`), "");
if (room.batches.length) {
  lines.push(
    `## One room, ${sockets} sockets (distinct users, batches of ${BATCH}, 64 handshakes in flight)`,
    "",
  );
  lines.push(
    "| sockets | ready | failed | seconds | conn/s | vs first batch |",
    "| --- | --- | --- | --- | --- | --- |",
  );
  const base = room.batches[0]?.connPerSecond ?? Number.NaN;
  for (const b of room.batches) {
    lines.push(
      `| ${b.from + 1}–${b.from + b.ok + b.failures} | ${b.ok} | ${b.failures} | ${b.seconds} | ${b.connPerSecond} | ${(b.connPerSecond / base).toFixed(2)}× |`,
    );
  }
  lines.push("", `last 1,000 / first 1,000 conn/s: **${room.firstToLast.toFixed(2)}×** (target ≥ 0.80×)`, "");
  if (room.errors.length) lines.push(`errors: ${room.errors.join("; ")}`, "");
}
if (soak.roomcast?.length) {
  lines.push(
    `## Soak: ${cycles} cycles of 200 clients over 4 rooms, 2 msg/s each for ${windowSeconds} s, then close`,
    "",
    "Runtime (workerd) RSS after each cycle's sockets closed.",
    "",
    "| cycle | roomcast MB | Δ | received | bare MB | Δ | received |",
    "| --- | --- | --- | --- | --- | --- | --- |",
  );
  const prev: Record<string, number> = {
    roomcast: mb(rssAtStart.roomcast ?? 0),
    bare: mb(rssAtStart.bare ?? 0),
  };
  lines.push(`| start | ${prev.roomcast} | | | ${prev.bare} | | |`);
  for (let i = 0; i < cycles; i++) {
    const cell = (name: string) => {
      const c = soak[name]?.[i];
      if (!c) return "– | – | –";
      const d = c.runtimeRssMB - (prev[name] ?? 0);
      prev[name] = c.runtimeRssMB;
      return `${c.runtimeRssMB} | ${d >= 0 ? "+" : ""}${d} | ${Math.round(c.share * 100)}%`;
    };
    lines.push(`| ${i + 1} | ${cell("roomcast")} | ${cell("bare")} |`);
  }
  lines.push("");
}
const md = lines.join("\n");
const dir = join(ROOT, "bench/results");
mkdirSync(dir, { recursive: true });
const stem = join(dir, `${String(meta.date).replace(/[:.]/g, "-")}-bounded`);
writeFileSync(`${stem}.json`, `${JSON.stringify({ meta, room, soak, rssAtStart }, null, 2)}\n`);
writeFileSync(`${stem}.md`, md);
console.log(md);
console.log(`results: ${stem}.{json,md} (${meta.seconds} s)`);
