// Where idle memory per connection goes: roomcast as shipped, without the static-assets router, with
// protocol 1 (two first frames) and without presence frames; the bare DO as it is, with one frame sent
// from JS on accept (as roomcast's welcome), and behind the static-assets router roomcast's page needs. `npm run bench -- --only memory`. Each variant gets its own server: RSS rarely shrinks, so only
// the first measurement in a process is a fair one.
import { readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { ROOT } from "../../test/support/dev-server.ts";
import { type IdleResult, idleMemory } from "./scenarios.ts";
import { type RoomcastOptions, startBare, startRoomcast } from "./targets.ts";

export interface MemoryProbe {
  variant: string;
  runtimeBytesPerConn: number;
}

const VARIANTS = [
  { variant: "bare", assets: false, query: "" },
  { variant: "bare, one frame sent on accept", assets: false, query: "?hello=1" },
  { variant: "bare behind the [assets] router", assets: true, query: "" },
];

/** The figure, or NaN ("–" in the report) when the runtime restarted while it was measured. */
const figure = (r: IdleResult) => (r.replaced.length > 0 ? Number.NaN : r.runtimeBytesPerConn);

/** roomcast's own wrangler.toml without the [assets] table, written beside it for one run. */
function withoutAssets(): string {
  const file = "wrangler.bench-no-assets.toml";
  const toml = readFileSync(join(ROOT, "wrangler.toml"), "utf8").replace(/\n\[assets\][^[]*/, "\n");
  writeFileSync(join(ROOT, file), toml);
  return file;
}

/** Runs each variant with `sockets` over 10 rooms, one server at a time. */
export async function memoryProbes(sockets: number, logLevel: string): Promise<MemoryProbe[]> {
  const out: MemoryProbe[] = [];
  const noAssets = withoutAssets();
  try {
    const roomcastVariants: [string, Partial<RoomcastOptions>][] = [
      ["roomcast", {}],
      ["roomcast without the [assets] router", { config: noAssets }],
      ["roomcast, protocol 1 (welcome + synced)", { protocol: "1" }],
      ["roomcast, PRESENCE_LIMIT=0 (no presence frames)", { vars: { PRESENCE_LIMIT: "0" } }],
    ];
    for (const [variant, o] of roomcastVariants) {
      const t = await startRoomcast({ logLevel, batch: true, ...o });
      try {
        const r = await idleMemory(t, 10, sockets / 10, 1000);
        out.push({ variant, runtimeBytesPerConn: figure(r) });
      } finally {
        await t.server.dispose();
      }
    }
  } finally {
    rmSync(join(ROOT, noAssets), { force: true });
  }
  for (const v of VARIANTS) {
    const t = await startBare({ assets: v.assets, query: v.query });
    try {
      const r = await idleMemory(t, 10, sockets / 10, 1000);
      out.push({ variant: v.variant, runtimeBytesPerConn: figure(r) });
    } finally {
      await t.server.dispose();
    }
  }
  return out;
}
