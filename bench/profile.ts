// `npm run bench:profile`: where roomcast's runtime spends its CPU during a connection storm (or an idle
// fleet's close), from a sampling profile taken over the inspector of `wrangler dev`. Prints the top
// functions by self time and writes the .cpuprofile (open it in Chrome DevTools) to bench/results/.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { freePort, ROOT } from "../test/support/dev-server.ts";
import { closeAll, openSockets, spread } from "./lib/fleet.ts";
import { Inspector } from "./lib/inspector.ts";
import { cpuSeconds, waitQuiet } from "./lib/procs.ts";
import { startBare, startRoomcast } from "./lib/targets.ts";

const { values: args } = parseArgs({
  options: {
    rooms: { type: "string", default: "10" },
    "per-room": { type: "string", default: "50" },
    phase: { type: "string", default: "connect" },
    top: { type: "string", default: "30" },
    var: { type: "string", multiple: true },
    /** roomcast (default), bare or bare+assets */
    target: { type: "string", default: "roomcast" },
    /** print where the time under these frames goes, one level down, e.g. `--focus "fetch index.js:4751"` */
    focus: { type: "string", multiple: true },
    /** weigh samples by their wall-clock gaps instead of counting them (200 µs each) */
    wall: { type: "boolean", default: false },
  },
});
const vars = Object.fromEntries(
  (args.var ?? []).map((kv) => [kv.split("=")[0], kv.split("=").slice(1).join("=")]),
);

interface CallFrame {
  functionName: string;
  scriptId: string;
  url: string;
  lineNumber: number;
  columnNumber: number;
}
interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const inspectorPort = await freePort();
const target =
  args.target === "roomcast"
    ? await startRoomcast({ logLevel: "warn", batch: true, vars, inspectorPort })
    : await startBare({ assets: args.target === "bare+assets", inspectorPort });
const inspector = await Inspector.open(inspectorPort);
try {
  await inspector.call("Profiler.enable");
  await inspector.call("Debugger.enable");
  await inspector.call("Profiler.setSamplingInterval", { interval: 200 });
  const specs = spread(`prof-${process.pid}`, Number(args.rooms), Number(args["per-room"]));
  const warm = await openSockets(target, spread(`warm-${process.pid}`, 1, 4), {
    concurrency: 4,
    timeoutMs: 30_000,
    recorder: null,
  });
  await closeAll(warm.sockets);
  const profileConnect = args.phase === "connect";
  if (profileConnect) await inspector.call("Profiler.start");
  const opened = await openSockets(target, specs, { concurrency: 256, timeoutMs: 60_000, recorder: null });
  let profile: Profile;
  if (profileConnect) {
    profile = (await inspector.call<{ profile: Profile }>("Profiler.stop")).profile;
    await closeAll(opened.sockets);
  } else {
    await inspector.call("Profiler.start");
    const t0 = performance.now();
    const cpu0 = cpuSeconds(target.procs.runtime);
    await closeAll(opened.sockets);
    const closed = performance.now() - t0;
    // The room goes on working after the clients saw their closes: wait until the runtime is quiet.
    const waited = await waitQuiet(() => target.procs.runtime);
    console.log(
      `close: clients done in ${(closed / 1000).toFixed(1)} s, runtime quiet ${waited} s after that, runtime CPU ${(cpuSeconds(target.procs.runtime) - cpu0).toFixed(1)} s`,
    );
    profile = (await inspector.call<{ profile: Profile }>("Profiler.stop")).profile;
  }
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    const us = args.wall ? (args.wall ? (profile.timeDeltas[i] ?? 0) : 200) : 200;
    sampled += us;
    if (!f) return;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-1).join("/")}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    self.set(key, (self.get(key) ?? 0) + us);
  });
  const idle = [...self].filter(([k]) => k.startsWith("(idle)")).reduce((a, [, v]) => a + v, 0);
  const busy = sampled - idle;
  console.log(
    `${opened.sockets.length} sockets (${opened.failures} failed), phase ${args.phase}: ${(busy / 1000).toFixed(0)} ms busy of ${(sampled / 1000).toFixed(0)} ms sampled, ${(busy / 1000 / Math.max(1, opened.sockets.length)).toFixed(3)} ms busy per socket`,
  );
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (id: number) => {
    const f = byId.get(id)?.callFrame;
    return f ? `${f.functionName || "(anon)"} ${f.url.split("/").slice(-1)[0]}:${f.lineNumber + 1}` : "?";
  };
  // Callers of each top entry: the chain of up to 5 frames above it, by self time.
  const chains = new Map<string, Map<string, number>>();
  profile.samples.forEach((id, i) => {
    const f = byId.get(id)?.callFrame;
    if (!f) return;
    const key = `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-1).join("/")}:${f.lineNumber + 1}:${f.columnNumber + 1}`;
    const up: string[] = [];
    for (let p = parent.get(id); p !== undefined && up.length < 5; p = parent.get(p)) up.push(name(p));
    const m = chains.get(key) ?? new Map<string, number>();
    const chain = up.join(" < ");
    m.set(chain, (m.get(chain) ?? 0) + (args.wall ? (profile.timeDeltas[i] ?? 0) : 200));
    chains.set(key, m);
  });
  // Inclusive time: each sample counts once for every distinct function on its stack.
  const total = new Map<string, number>();
  profile.samples.forEach((id, i) => {
    if (byId.get(id)?.callFrame.functionName === "(idle)") return;
    const seen = new Set<string>();
    for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) seen.add(name(p));
    for (const k of seen)
      total.set(k, (total.get(k) ?? 0) + (args.wall ? (profile.timeDeltas[i] ?? 0) : 200));
  });
  console.log("inclusive:");
  for (const [k, v] of [...total].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
    console.log(
      `${((v / Math.max(1, busy)) * 100).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`,
    );
  }
  for (const focus of args.focus ?? []) {
    const below = new Map<string, number>();
    profile.samples.forEach((id, i) => {
      let child = "(self)";
      for (let p: number | undefined = id; p !== undefined; p = parent.get(p)) {
        if (name(p) === focus) {
          below.set(child, (below.get(child) ?? 0) + (args.wall ? (profile.timeDeltas[i] ?? 0) : 200));
          return;
        }
        child = name(p);
      }
    });
    console.log(`under ${focus}:`);
    for (const [k, v] of [...below].sort((a, b) => b[1] - a[1]).slice(0, 15)) {
      console.log(`  ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`);
    }
  }
  console.log("self:");
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(args.top))) {
    if (k.startsWith("(idle)")) continue;
    console.log(
      `${((v / Math.max(1, busy)) * 100).toFixed(1).padStart(5)}%  ${(v / 1000).toFixed(1).padStart(7)} ms  ${k}`,
    );
    const top = [...(chains.get(k) ?? [])].sort((a, b) => b[1] - a[1]).slice(0, 2);
    for (const [chain, us] of top) console.log(`                   ${(us / 1000).toFixed(1)} ms < ${chain}`);
  }
  const dir = join(ROOT, "bench/results");
  mkdirSync(dir, { recursive: true });
  const file = join(
    dir,
    `profile-${args.phase}-${new Date().toISOString().replace(/[:.]/g, "-")}.cpuprofile`,
  );
  writeFileSync(file, JSON.stringify(profile));
  // The bundle the line numbers refer to (wrangler deletes it when it stops).
  const script = profile.nodes.find((n) => n.callFrame.url.endsWith("index.js"))?.callFrame.scriptId;
  if (script !== undefined) {
    const { scriptSource } = await inspector.call<{ scriptSource: string }>("Debugger.getScriptSource", {
      scriptId: script,
    });
    writeFileSync(file.replace(/\.cpuprofile$/, ".bundle.js"), scriptSource);
  }
  console.log(`profile: ${file}`);
} finally {
  inspector.close();
  await target.server.dispose();
}
