// Fan-out benchmark: R rooms × C subscribers against `wrangler dev`; one publisher per room offers
// messages at a fixed rate. Prints delivered messages/s and end-to-end latency percentiles.
// Bounded: N messages per room and a hard deadline.
// Run: `npm run bench:fanout -- [rooms] [clients] [rate] [count] [--protocol 1]`: sockets ask for
// protocol 2 (`?v=2`) as the client library does; `--protocol 1` for comparison.
import { cpus } from "node:os";
import { parseArgs } from "node:util";
import type WebSocket from "ws";
import { mintToken } from "../src/cli/tokens/mint.ts";
import { startDevServer, TEST_SECRET } from "../test/support/dev-server.ts";
import { joinRoomcast } from "./lib/fleet.ts";
import { parseProtocol, versionParam } from "./lib/targets.ts";

const { values: flags, positionals } = parseArgs({
  options: { protocol: { type: "string" } },
  allowPositionals: true,
});
const protocol = parseProtocol(flags.protocol);
const [rooms = 2, clients = 50, rate = 100, count = 500] = positionals.map(Number);
const DEADLINE_MS = 120_000;

function pct(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

const server = await startDevServer({ vars: { RATE_PER_SECOND: "100000", IDLE_TIMEOUT_SECONDS: "600" } });
for (const sig of ["SIGINT", "SIGTERM"] as const) {
  process.once(sig, () => void server.dispose().finally(() => process.exit(130)));
}
try {
  const base = server.url.replace(/^http/, "ws");
  const latencies: number[] = [];
  let delivered = 0;
  const expected = rooms * (clients - 1) * count;
  const sockets: WebSocket[] = [];
  let finish: () => void = () => {};
  const done = new Promise<void>((r) => (finish = r));

  for (let r = 0; r < rooms; r++) {
    for (let c = 0; c < clients; c++) {
      const token = await mintToken({
        secret: TEST_SECRET,
        user: `u${c}`,
        rooms: { "*": ["read", "write"] },
        ttlSeconds: 3600,
      });
      const ws = await joinRoomcast(`${base}/rooms/bench-${r}/ws?token=${token}${versionParam(protocol)}`);
      if (c > 0) {
        ws.on("message", (d) => {
          const text = d.toString();
          if (!text.startsWith('{"type":"message"')) return;
          latencies.push(performance.now() - (JSON.parse(text).data.t as number));
          if (++delivered === expected) finish();
        });
      }
      sockets.push(ws);
    }
  }

  const publishers = Array.from({ length: rooms }, (_, r) => sockets[r * clients] as WebSocket);
  const started = performance.now();
  let sent = 0;
  const timer = setInterval(() => {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1000) * rate) + 1);
    for (; sent < due; sent++) {
      for (const p of publishers) p.send(JSON.stringify({ type: "publish", data: { t: performance.now() } }));
    }
    if (sent >= count) clearInterval(timer);
  }, 5);
  const timeout = setTimeout(finish, DEADLINE_MS);
  await done;
  clearTimeout(timeout);
  clearInterval(timer);
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  for (const ws of sockets) ws.close(1000);

  console.log(
    `machine: ${cpus().length} × ${cpus()[0]?.model ?? "?"}, node ${process.version}, wrangler dev (local workerd)`,
  );
  console.log(
    `protocol ${protocol}, rooms ${rooms} × clients ${clients} (fan-out ${clients - 1}), offered ${rate} msg/s per room, ${count} msgs per room`,
  );
  console.log(
    `delivered ${delivered}/${expected} in ${seconds.toFixed(2)} s = ${Math.round(delivered / seconds)} deliveries/s`,
  );
  console.log(
    `latency ms: p50 ${pct(latencies, 50).toFixed(1)}  p95 ${pct(latencies, 95).toFixed(1)}  p99 ${pct(latencies, 99).toFixed(1)}  max ${(latencies.at(-1) ?? NaN).toFixed(1)}`,
  );
} finally {
  await server.dispose();
}
