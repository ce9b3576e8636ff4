// `npm run bench:socket-cost`: what one socket costs roomcast's own JavaScript, apart from the runtime:
// its attachment (bytes serialised), its in-memory state, its socket-index entry and its presence
// bookkeeping. Runs the room's real modules in Node (V8, like workerd) over 20,000 fake sockets of
// distinct users and reads the heap after a full collection at each step. The runtime's own share is
// what `npm run bench -- --only memory` measures (idle RSS per socket, bare DO against roomcast).
// Its own tsconfig.json: it needs both the Workers types (the room's modules) and Node's (v8, process).
import { serialize } from "node:v8";
import { PresenceDiffs } from "../../src/room/presence/presence-diff.ts";
import { newSocketState } from "../../src/room/sockets/admission.ts";
import { SocketIndex } from "../../src/room/sockets/socket-index.ts";
import { type SocketState, writeState } from "../../src/room/sockets/socket-state.ts";
import { parseSettings } from "../../src/server/settings.ts";

const gc = (globalThis as { gc?: () => void }).gc;
if (gc === undefined) throw new Error("run with node --expose-gc (npm run bench:socket-cost does)");
const collect = gc;

const N = 20_000;
const settings = parseSettings({});

/** Heap bytes per socket that `step` keeps alive (it must return what it allocated, to keep it live). */
function perSocket<T>(step: () => T): { bytes: number; kept: T } {
  collect();
  collect();
  const before = process.memoryUsage().heapUsed;
  const kept = step();
  collect();
  collect();
  return { bytes: Math.round((process.memoryUsage().heapUsed - before) / N), kept };
}

// The runtime's socket objects stand in as empty objects: only roomcast's own additions are counted.
const sockets = Array.from({ length: N }, () => ({}) as WebSocket);
const now = Date.now();
const states = perSocket(() =>
  sockets.map((_, i) =>
    newSocketState(
      {
        room: "storm-12345-1-3",
        id: `u${i}`,
        name: null,
        capabilities: ["read", "write"],
        exp: Math.floor(now / 1000) + 3600,
      },
      settings,
      now,
    ),
  ),
);
const index = perSocket(() => {
  const ix = new SocketIndex();
  sockets.forEach((ws, i) => {
    ix.add(ws, states.kept[i] as SocketState, true);
  });
  return ix;
});
const presence = perSocket(() => {
  const diffs = new PresenceDiffs(
    { sockets: () => index.kept.batched, members: () => index.kept.userCount, send: () => {} },
    { now: () => Date.now(), later: () => {} },
  );
  for (const ws of sockets) diffs.seen(ws);
  return diffs;
});

// The attachment as writeState stores it, and the whole state as it was stored before issue 21.
let attached: unknown = null;
const capture = { serializeAttachment: (v: unknown) => (attached = v) } as unknown as WebSocket;
const sample = states.kept[0] as SocketState;
writeState(capture, sample);

const rows: [string, string][] = [
  ["attachment (V8 serialisation, as stored)", `${serialize(attached).length} bytes`],
  ["attachment if the whole state were stored", `${serialize(sample).length} bytes`],
  ["attachment as JSON, for reference", `${JSON.stringify(attached).length} characters`],
  ["state object in memory (SocketState)", `${states.bytes} bytes`],
  ["socket-index entry (maps, user entry, batch set)", `${index.bytes} bytes`],
  ["presence-diff bookkeeping (batch socket)", `${presence.bytes} bytes`],
  ["JavaScript total per socket", `${states.bytes + index.bytes + presence.bytes} bytes`],
];
console.log(`Per socket, ${N} sockets of distinct users (Node ${process.version}):\n`);
console.log("| what | cost |\n| --- | --- |");
for (const [what, cost] of rows) console.log(`| ${what} | ${cost} |`);
