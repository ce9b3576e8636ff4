// `npm run bench:slow-readers`: issue 17's reproduction of a reader that stops reading, with the send
// budget off (MAX_UNREAD_BYTES=0, as before it existed) and on (the default). K sockets connect, stop
// reading their TCP stream and answer no `mark`, beside one reader; then N HTTP publishes of 60 KB.
// Prints, per setting: the memory the runtime and wrangler's proxy grew by, how many stuck sockets the
// room still holds, and whether the reader got everything. Servers are started and stopped here.
// Flags: --stuck K (5), --publishes N (250).
import type { Socket } from "node:net";
import { cpus, loadavg, totalmem } from "node:os";
import { parseArgs } from "node:util";
import WebSocket from "ws";
import { mintToken } from "../src/cli/tokens/mint.ts";
import type { Capability } from "../src/shared/protocol.ts";
import { TEST_SECRET } from "../test/support/dev-server.ts";
import { isSyncedFrame } from "./lib/fleet.ts";
import { rssBytes } from "./lib/procs.ts";
import { startRoomcast } from "./lib/targets.ts";

const { values: args } = parseArgs({
  options: { stuck: { type: "string", default: "5" }, publishes: { type: "string", default: "250" } },
});
const STUCK = Number(args.stuck);
const PUBLISHES = Number(args.publishes);
if (!(STUCK >= 1 && STUCK <= 50 && PUBLISHES >= 1 && PUBLISHES <= 2000)) {
  throw new Error("--stuck must be 1–50 and --publishes 1–2000");
}
const BODY = JSON.stringify({ data: "z".repeat(60_000) });
const mb = (b: number) => (b / 2 ** 20).toFixed(0);

const token = (user: string, caps: Capability[]) =>
  mintToken({ secret: TEST_SECRET, user, rooms: { "*": caps }, ttlSeconds: 3600 });

/** Opens a socket and waits until it is live; a stuck one then stops reading its TCP stream. */
async function open(url: string, stuck: boolean): Promise<{ ws: WebSocket; got: () => number }> {
  const ws = new WebSocket(url);
  let messages = 0;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no synced within 10 s")), 10_000);
    ws.on("message", (data) => {
      const text = data.toString();
      if (isSyncedFrame(text)) {
        clearTimeout(timer);
        ws.send("ping");
        resolve();
      } else if (text.startsWith('{"type":"mark"') && !stuck) {
        ws.send(`{"type":"read","n":${JSON.parse(text).n}}`);
      } else if (text.startsWith('{"type":"message"')) messages++;
    });
    ws.on("error", reject);
  });
  if (stuck) (ws as unknown as { _socket: Socket })._socket.pause();
  return { ws, got: () => messages };
}

async function run(budget: string, stuckCount = STUCK): Promise<string> {
  const target = await startRoomcast({ logLevel: "warn", batch: false, vars: { MAX_UNREAD_BYTES: budget } });
  try {
    /** Both processes' memory, found again now: a runtime restart brings a new pid. */
    const rss = () => {
      const { runtime, proxy } = target.procs;
      return { runtime: rssBytes(runtime), proxy: rssBytes(proxy), pid: runtime };
    };
    const room = `slow-${Date.now()}`;
    const base = target.server.url.replace(/^http/, "ws");
    const socketUrl = async (user: string) =>
      `${base}/rooms/${room}/ws?token=${await token(user, ["read", "write"])}&v=2`;
    const reader = await open(await socketUrl("reader"), false);
    const stuck = [];
    for (let i = 0; i < stuckCount; i++) stuck.push(await open(await socketUrl(`stuck${i}`), true));
    const before = rss();
    const admin = `Bearer ${await token("ops", ["admin"])}`;
    for (let i = 0; i < PUBLISHES; i++) {
      const res = await fetch(`${target.server.url}/rooms/${room}/messages`, {
        method: "POST",
        headers: { authorization: admin, "content-type": "application/json" },
        body: BODY,
      });
      if (res.status !== 201) throw new Error(`publish ${i}: ${res.status} ${await res.text()}`);
    }
    const deadline = Date.now() + 30_000;
    while (reader.got() < PUBLISHES && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    const after = rss();
    if (after.pid !== before.pid)
      throw new Error("the runtime restarted (a new pid) during the run: rerun it");
    const info = (await (
      await fetch(`${target.server.url}/rooms/${room}`, { headers: { authorization: admin } })
    ).json()) as { connections: number };
    for (const s of [reader, ...stuck]) s.ws.terminate();
    return `| ${budget === "0" ? "0 (off)" : budget} | ${mb(after.runtime - before.runtime)} | ${mb(after.proxy - before.proxy)} | ${info.connections - 1} of ${stuckCount} | ${reader.got()} of ${PUBLISHES} |`;
  } finally {
    await target.server.dispose();
  }
}

const rows = [
  await run("0", 0),
  await run("0"),
  await run(String(16 * 2 ** 20)),
  await run(String(5 * 2 ** 20)),
];
console.log(
  `\n${STUCK} stuck sockets, ${PUBLISHES} publishes of 60 KB; ${cpus().length} cores, ${mb(totalmem())} MiB, load ${loadavg()[0]?.toFixed(2)}\n`,
);
console.log("| MAX_UNREAD_BYTES | runtime grew MB | proxy grew MB | stuck sockets still held | reader got |");
console.log("| --- | --- | --- | --- | --- |");
for (const r of rows) console.log(r);
