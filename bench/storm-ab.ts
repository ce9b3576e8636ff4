// `npm run bench:storm-ab`: runtime CPU per connect of several servers, measured in turns. Every variant
// runs under its own `wrangler dev` at the same time (idle servers cost nothing), and each round storms
// each of them once, in alternating order, so the machine's drift falls on all of them alike; the
// median per variant and its ratio to the first are printed. Sequential runs on this shared machine
// moved a ratio by ±0.15; here an A/A pair (the same build twice) shows what noise is left.
//
//   npm run bench:storm-ab -- [--reps 7] [--rooms 10] [--per-room 50] [variant ...]
//
// Variants (default: bare+assets roomcast roomcast-again):
//   bare+assets          the bare DO behind the static-assets router (bench/baseline)
//   bare+assets+core     the same DO doing roomcast's per-socket core: a JSON welcome sent from
//                        JavaScript, a tag, an attachment, per-room SQLite tables + an alarm, and a
//                        request rebuilt by the worker with an identity header
//   roomcast             the project as it ships (JWT, rate limits, directory, metrics, presence)
//   roomcast-again       the same build on a second server: the A/A pair
//   roomcast-floor       roomcast without its per-connect extras: no signature check (bench/floor),
//                        no Rate Limiting bindings, no directory, no metrics, PRESENCE_LIMIT=0
//   roomcast-no-limits   roomcast without one extra each, to weigh it alone: without the Rate
//   roomcast-no-directory  Limiting bindings, the directory binding, the Analytics Engine binding,
//   roomcast-no-metrics  or with PRESENCE_LIMIT=0
//   roomcast-no-presence
// Prints figures; not a test.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/dev-server.ts";
import { closeAll, openSockets, spread } from "./lib/fleet.ts";
import { cpuSeconds, devProcesses, threadCpuSeconds, waitQuiet } from "./lib/procs.ts";
import { startBare, startRoomcast, type Target } from "./lib/targets.ts";

const { values: args, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    reps: { type: "string", default: "7" },
    rooms: { type: "string", default: "10" },
    "per-room": { type: "string", default: "50" },
  },
});
const reps = Number(args.reps);
const rooms = Number(args.rooms);
const perRoom = Number(args["per-room"]);
const variants = positionals.length ? positionals : ["bare+assets", "roomcast", "roomcast-again"];

type Extra = "main" | "limits" | "metrics" | "directory";
const written: string[] = [];

/** wrangler.toml without some per-connect extras (`main`: the floor Worker); written beside it for one run. */
function configWithout(name: string, drop: readonly Extra[]): string {
  const file = `wrangler.bench-${name}.toml`;
  let toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8");
  if (drop.includes("main")) toml = toml.replace(/^main = .*$/m, 'main = "bench/floor/worker.ts"');
  if (drop.includes("limits")) toml = toml.replace(/\[\[ratelimits\]\][^[]*/g, "");
  if (drop.includes("metrics")) toml = toml.replace(/\[\[analytics_engine_datasets\]\][^[]*/g, "");
  if (drop.includes("directory")) {
    toml = toml.replace(
      /\[\[durable_objects\.bindings\]\]\nname = "DIRECTORY"\nclass_name = "RoomDirectory"\n/,
      "",
    );
  }
  writeFileSync(join(ROOT, file), toml);
  written.push(file);
  return file;
}

function start(variant: string): Promise<Target> {
  switch (variant) {
    case "bare+assets":
      return startBare({ assets: true });
    case "bare+assets+core":
      return startBare({ assets: true, query: "?core=1" });
    case "roomcast":
    case "roomcast-again":
      return startRoomcast({ logLevel: "warn", batch: true });
    case "roomcast-floor":
      return startRoomcast({
        logLevel: "warn",
        batch: true,
        config: configWithout("floor", ["main", "limits", "metrics", "directory"]),
        vars: { PRESENCE_LIMIT: "0" },
      });
    case "roomcast-no-limits":
      return startRoomcast({ logLevel: "warn", batch: true, config: configWithout("no-limits", ["limits"]) });
    case "roomcast-no-directory":
      return startRoomcast({
        logLevel: "warn",
        batch: true,
        config: configWithout("no-directory", ["directory"]),
      });
    case "roomcast-no-metrics":
      return startRoomcast({
        logLevel: "warn",
        batch: true,
        config: configWithout("no-metrics", ["metrics"]),
      });
    case "roomcast-no-presence":
      return startRoomcast({ logLevel: "warn", batch: true, vars: { PRESENCE_LIMIT: "0" } });
    default:
      throw new Error(`unknown variant ${variant}`);
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? (s[m] as number) : ((s[m - 1] as number) + (s[m] as number)) / 2;
};

const servers: { variant: string; t: Target }[] = [];
const stopAll = () => Promise.all(servers.map((s) => s.t.server.stop()));
for (const sig of ["SIGINT", "SIGTERM"] as const)
  process.on(sig, () => void stopAll().then(() => process.exit(1)));
// The runtime's pid, found again each time: wrangler restarts it when a watched file changes (the
// roomcast build rewrites dist/web, which bare+assets serves).
const runtimeOf = (t: Target) => devProcesses(t.server.port).runtime;
try {
  for (const variant of variants) {
    const t = await start(variant);
    servers.push({ variant, t });
  }
  for (const { t } of servers) {
    const warm = await openSockets(t, spread(`warm-${process.pid}`, 1, 4), {
      concurrency: 4,
      timeoutMs: 30_000,
      recorder: null,
    });
    await closeAll(warm.sockets);
  }
  const cpu = new Map<string, number[]>(variants.map((v) => [v, []]));
  /** per variant, per thread kind: CPU ms per connect of each storm */
  const byThread = new Map<string, Map<string, number[]>>();
  for (let r = 0; r < reps; r++) {
    for (const { variant, t } of r % 2 ? [...servers].reverse() : servers) {
      for (const s of servers) await waitQuiet(() => runtimeOf(s.t));
      const pid = runtimeOf(t);
      const before = cpuSeconds(pid);
      const threadsBefore = threadCpuSeconds(pid);
      const opened = await openSockets(t, spread(`ab-${process.pid}-${r}`, rooms, perRoom), {
        concurrency: 256,
        timeoutMs: 60_000,
        recorder: null,
      });
      const after = cpuSeconds(pid);
      const threadsAfter = threadCpuSeconds(pid);
      await closeAll(opened.sockets);
      if (opened.failures > 0 || runtimeOf(t) !== pid) {
        console.log(
          `${variant} round ${r + 1}: left out (${opened.failures} failed, or the runtime restarted)`,
        );
        continue;
      }
      cpu.get(variant)?.push(((after - before) * 1000) / opened.sockets.length);
      const kinds = byThread.get(variant) ?? new Map<string, number[]>();
      byThread.set(variant, kinds);
      for (const [kind, seconds] of threadsAfter) {
        const ms = ((seconds - (threadsBefore.get(kind) ?? 0)) * 1000) / opened.sockets.length;
        kinds.set(kind, [...(kinds.get(kind) ?? []), ms]);
      }
    }
  }
  const base = median(cpu.get(variants[0] as string) ?? []);
  console.log(`runtime CPU ms per connect, ${reps} storms of ${rooms}×${perRoom} each, medians:`);
  for (const [variant, xs] of cpu) {
    console.log(
      `${variant.padEnd(18)} ${median(xs).toFixed(2)}  ${(median(xs) / base).toFixed(2)}×  [${xs.map((x) => x.toFixed(2)).join(" ")}]`,
    );
  }
  console.log("the same by thread (medians, ms per connect):");
  for (const [variant, kinds] of byThread) {
    const parts = [...kinds].map(([kind, xs]) => `${kind}=${median(xs).toFixed(2)}`);
    console.log(`${variant.padEnd(18)} ${parts.join("  ")}`);
  }
} finally {
  await stopAll();
  for (const file of written) rmSync(join(ROOT, file), { force: true });
}
