// `npm run bench:heap`: how much of a target's idle memory per socket is uncollected JavaScript heap.
// Opens idle sockets (as `npm run bench -- --only idle` does), reads the runtime's RSS and V8 heap, has
// V8 collect its garbage over the inspector, and reads them again. roomcast's storm leaves more garbage
// than the bare DO's; a collection returns it, but the idle figure of `npm run bench` is read before
// any. `npm run bench:heap -- [--target roomcast|bare|bare+assets|bare+assets+core] [--rooms 10]
// [--per-room 50]` (bare+assets+core: see bench/storm-ab.ts).
// Prints figures; not a test.
import { parseArgs } from "node:util";
import { freePort } from "../test/support/dev-server.ts";
import { closeAll, openSockets, spread } from "./lib/fleet.ts";
import { Inspector } from "./lib/inspector.ts";
import { devProcesses, rssBytes } from "./lib/procs.ts";
import { startBare, startRoomcast, type Target } from "./lib/targets.ts";

const { values: args } = parseArgs({
  options: {
    target: { type: "string", default: "roomcast" },
    rooms: { type: "string", default: "10" },
    "per-room": { type: "string", default: "50" },
    /** for the bare targets: a query for the bare DO, e.g. `?hello=1` (bench/baseline/worker.ts) */
    query: { type: "string" },
  },
});
interface HeapUsage {
  usedSize: number;
  totalSize: number;
}

const inspectorPort = await freePort();
const target =
  args.target === "roomcast"
    ? await startRoomcast({ logLevel: "warn", batch: true, inspectorPort })
    : await startBare({
        assets: args.target !== "bare",
        inspectorPort,
        ...(args.target === "bare+assets+core" ? { query: "?core=1" } : {}),
        ...(args.query ? { query: args.query } : {}),
      });
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.on(sig, () => void target.server.stop().then(() => process.exit(1)));
}
const inspector = await Inspector.open(inspectorPort);
/** One socket opened and closed: an idle runtime answers the inspector only once it has work. */
const poke = async (t: Target) =>
  closeAll((await openSockets(t, spread(`poke-${process.pid}`, 1, 1), o)).sockets);
const o = { concurrency: 64, timeoutMs: 60_000, recorder: null };
async function call<T>(method: string): Promise<T> {
  const answer = inspector.call<T>(method);
  for (;;) {
    const done = await Promise.race([answer, new Promise<null>((r) => setTimeout(() => r(null), 500))]);
    if (done !== null) return done;
    await poke(target);
  }
}
const rss = () => rssBytes(devProcesses(target.server.port).runtime);
const settle = () => new Promise((r) => setTimeout(r, 2000)); // the last pongs and presence frames
try {
  await poke(target);
  await call("HeapProfiler.collectGarbage");
  const base = { rss: rss(), heap: await call<HeapUsage>("Runtime.getHeapUsage") };
  const opened = await openSockets(
    target,
    spread(`heap-${process.pid}`, Number(args.rooms), Number(args["per-room"])),
    o,
  );
  await settle();
  const n = Math.max(1, opened.sockets.length);
  const row = (label: string, r: number, h: HeapUsage) =>
    console.log(
      `${label.padEnd(22)} runtime ${((r - base.rss) / 1024 / n).toFixed(0).padStart(4)} KB/socket, ` +
        `V8 heap ${(h.totalSize / 2 ** 20).toFixed(1)} MB (${(h.usedSize / 2 ** 20).toFixed(1)} MB used)`,
    );
  console.log(
    `${args.target}: ${n} idle sockets (${opened.failures} failed), heap at start ${(base.heap.totalSize / 2 ** 20).toFixed(1)} MB`,
  );
  row("before a collection", rss(), await call<HeapUsage>("Runtime.getHeapUsage"));
  await call("HeapProfiler.collectGarbage");
  await settle();
  row("after a collection", rss(), await call<HeapUsage>("Runtime.getHeapUsage"));
  await closeAll(opened.sockets);
} finally {
  inspector.close();
  await target.server.stop();
}
