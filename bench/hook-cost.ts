// What a trivial `onPublish` costs: the fan-out window of `npm run bench`, on roomcast as it ships and on
// the same Worker whose rooms run `onPublish: () => undefined` (bench/hooked/worker.ts), one after the
// other on this machine. `npm run bench:hooks [-- --reps 3 --seconds 4]`. Prints figures; not a test.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { cpus } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { ROOT } from "../test/support/dev-server.ts";
import { closeAll } from "./lib/fleet.ts";
import { connectFleet, fanoutWindow } from "./lib/scenarios.ts";
import { startRoomcast } from "./lib/targets.ts";

const { values: args } = parseArgs({
  options: { reps: { type: "string", default: "3" }, seconds: { type: "string", default: "4" } },
});
const reps = Number(args.reps);
const seconds = Number(args.seconds);
const CASES = [
  { rooms: 1, clients: 50, perClient: 10 },
  { rooms: 10, clients: 20, perClient: 10 },
];

/** roomcast's wrangler.toml with the hooked Worker as its main module, written beside it for one run. */
function hookedConfig(): string {
  const file = "wrangler.bench-hooked.toml";
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8").replace(
    /^main = .*$/m,
    'main = "bench/hooked/worker.ts"',
  );
  writeFileSync(join(ROOT, file), toml);
  return file;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN;
const config = hookedConfig();
const rows: string[] = [];
try {
  for (const c of CASES) {
    const figures: Record<string, { rate: number[]; p99: number[] }> = {};
    for (const variant of ["no hook", "trivial onPublish"] as const) {
      const t = await startRoomcast({
        logLevel: "warn",
        batch: true,
        ...(variant === "no hook" ? {} : { config }),
      });
      const f = { rate: [] as number[], p99: [] as number[] };
      figures[variant] = f;
      try {
        const fleet = await connectFleet(t, c.rooms, c.clients);
        try {
          for (let i = 0; i < reps; i++) {
            const w = await fanoutWindow(fleet, { perClient: c.perClient, seconds, drainMs: 3000 });
            f.rate.push(w.deliveriesPerSecond);
            f.p99.push(w.p99);
            console.log(
              `[hooks] ${c.rooms}×${c.clients}@${c.perClient} ${variant}: ${Math.round(w.deliveriesPerSecond)}/s, p99 ${w.p99.toFixed(1)} ms, share ${w.share.toFixed(3)}`,
            );
          }
        } finally {
          await closeAll(fleet.rooms.flat());
        }
      } finally {
        await t.server.dispose();
      }
    }
    const base = figures["no hook"];
    const hooked = figures["trivial onPublish"];
    if (base && hooked) {
      rows.push(
        `${c.rooms}×${c.clients}@${c.perClient}: deliveries ${(median(hooked.rate) / median(base.rate)).toFixed(2)}× ` +
          `(${Math.round(median(hooked.rate))}/s vs ${Math.round(median(base.rate))}/s), p99 ` +
          `${median(hooked.p99).toFixed(1)} ms vs ${median(base.p99).toFixed(1)} ms`,
      );
    }
  }
} finally {
  rmSync(join(ROOT, config), { force: true });
}
console.log(
  `\ntrivial onPublish vs no hook, medians of ${reps} windows of ${seconds} s, ${cpus().length} cores:`,
);
for (const r of rows) console.log(`  ${r}`);
