// Sharded rooms against `wrangler dev`: one room, the same load, unsharded and with N shards.
//
// Locally every Durable Object shares one workerd thread, so sharding cannot add throughput here. What
// this measures instead, per configuration (a fresh `wrangler dev` each, ROOM_SHARDS set per run):
//   1. the sequencer's cost per publish: one publisher, no receivers, 1,000 publishes pipelined 50 deep;
//      elapsed time per acked publish (the one thread's cost: commit plus one push per shard);
//   2. fan-out: C receivers and one publisher offering R msg/s for M messages; deliveries/s, deliveries
//      per shard and end-to-end latency percentiles.
// Run: `npm run bench:sharded -- [clients] [rate] [count] [shard counts…]`, e.g. `-- 200 50 300 0 2 8 32`
// (0 = unsharded). Sockets ask for protocol 2 (`?v=2`) as the client library does; `--protocol 1` for
// comparison. Bounded: every phase has a deadline.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import type WebSocket from "ws";
import { mintToken } from "../src/cli/tokens/mint.ts";
import { shardOf } from "../src/server/sharding.ts";
import { type DevServer, startDevServer, TEST_SECRET } from "../test/support/dev-server.ts";
import { joinRoomcast } from "./lib/fleet.ts";
import { parseProtocol, versionParam } from "./lib/targets.ts";

const { values: flags, positionals } = parseArgs({
  options: { protocol: { type: "string" } },
  allowPositionals: true,
});
const protocol = parseProtocol(flags.protocol);
const args = positionals.map(Number);
const [clients = 200, rate = 50, count = 300] = args;
const shardCounts = args.length > 3 ? args.slice(3) : [0, 2, 8, 32];
const PIPELINE = 50;
const SEQ_PUBLISHES = 1000;
const DEADLINE_MS = 120_000;

function token(user: string): Promise<string> {
  return mintToken({ secret: TEST_SECRET, user, rooms: { "*": ["read", "write"] }, ttlSeconds: 3600 });
}

/** A live socket of `user` in `room`, asking for the protocol version chosen. */
async function join(base: string, room: string, user: string): Promise<WebSocket> {
  return joinRoomcast(`${base}/rooms/${room}/ws?token=${await token(user)}${versionParam(protocol)}`);
}

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN;
}

function withDeadline<T>(p: Promise<T>, what: string): Promise<T> {
  return Promise.race([
    p,
    new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error(`${what}: over ${DEADLINE_MS} ms`)), DEADLINE_MS),
    ),
  ]);
}

/** Phase 1: ms per acked publish with nobody listening, PIPELINE publishes in flight. */
async function sequencerCost(base: string, room: string): Promise<number> {
  const ws = await join(base, room, "solo");
  let acked = 0;
  let sent = 0;
  const started = performance.now();
  await withDeadline(
    new Promise<void>((resolve) => {
      const send = () => ws.send(JSON.stringify({ type: "publish", data: sent++, id: `s${sent}` }));
      ws.on("message", (d) => {
        if (!d.toString().startsWith('{"type":"ack"')) return;
        if (++acked === SEQ_PUBLISHES) resolve();
        else if (sent < SEQ_PUBLISHES) send();
      });
      for (let i = 0; i < PIPELINE; i++) send();
    }),
    "sequencer phase",
  );
  ws.close(1000);
  return (performance.now() - started) / SEQ_PUBLISHES;
}

interface FanOut {
  deliveriesPerSecond: number;
  perShard: number[];
  latencies: number[];
  delivered: number;
  expected: number;
}

/** Phase 2: C receivers, one publisher at `rate`, `count` messages. */
async function fanOut(base: string, room: string, shards: number): Promise<FanOut> {
  const latencies: number[] = [];
  const perShard = new Array<number>(Math.max(1, shards)).fill(0);
  const expected = clients * count;
  let delivered = 0;
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));
  const sockets: WebSocket[] = [];
  for (let c = 0; c < clients; c++) {
    const user = `viewer-${c}`;
    const shard = shards > 0 ? shardOf(user, shards) : 0;
    const ws = await join(base, room, user);
    ws.on("message", (d) => {
      const text = d.toString();
      if (!text.startsWith('{"type":"message"')) return;
      latencies.push(performance.now() - (JSON.parse(text).data.t as number));
      perShard[shard] = (perShard[shard] ?? 0) + 1;
      if (++delivered === expected) finish();
    });
    sockets.push(ws);
  }
  const publisher = await join(base, room, "publisher");
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++)
      publisher.send(JSON.stringify({ type: "publish", data: { t: performance.now() } }));
    if (sent >= count) clearInterval(timer);
  }, 5);
  await withDeadline(done, "fan-out phase").catch((e: unknown) => console.error(String(e)));
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  for (const ws of [...sockets, publisher]) ws.close(1000);
  return {
    deliveriesPerSecond: delivered / seconds,
    perShard,
    latencies: latencies.sort((a, b) => a - b),
    delivered,
    expected,
  };
}

console.log(
  `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, wrangler dev (local workerd)`,
);
console.log(
  `protocol ${protocol}; fan-out load: ${clients} receivers, 1 publisher offering ${rate} msg/s, ${count} messages`,
);
console.log(
  "| shards | ms per publish (no receivers) | deliveries/s | per shard (min–max) | p50 ms | p95 ms | p99 ms |",
);
console.log(
  "| ------ | ----------------------------- | ------------ | ------------------- | ------ | ------ | ------ |",
);
for (const shards of shardCounts) {
  const vars: Record<string, string> = {
    RATE_PER_SECOND: "100000",
    IDLE_TIMEOUT_SECONDS: "600",
    LOG_LEVEL: "warn",
    SHARDED_ROOMS: "sharded-*",
    ...(shards > 0 ? { ROOM_SHARDS: String(shards) } : {}),
  };
  let server: DevServer | null = null;
  try {
    server = await startDevServer({ vars });
    const base = server.url.replace(/^http/, "ws");
    const prefix = shards > 0 ? "sharded" : "plain";
    const perPublish = await sequencerCost(base, `${prefix}-seq-${Date.now()}`);
    const f = await fanOut(base, `${prefix}-fan-${Date.now()}`, shards);
    const range = `${Math.min(...f.perShard)}–${Math.max(...f.perShard)}`;
    const l = f.latencies;
    console.log(
      `| ${shards === 0 ? "none" : shards} | ${perPublish.toFixed(2)} | ${Math.round(f.deliveriesPerSecond)}${f.delivered < f.expected ? ` (${f.delivered}/${f.expected})` : ""} | ${shards === 0 ? "—" : range} | ${pct(l, 50).toFixed(1)} | ${pct(l, 95).toFixed(1)} | ${pct(l, 99).toFixed(1)} |`,
    );
  } finally {
    await server?.dispose();
  }
}
