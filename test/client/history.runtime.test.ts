// The client library across a replay cut short by MAX_REPLAY_BYTES (synced.more): the rest comes over
// HTTP history before live messages, every seq exactly once; and room.history() for scroll-back.
import { exports } from "cloudflare:workers";
import { afterEach, describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { RoomClient } from "../../src/client/types.ts";
import type { MessageFrame } from "../../src/shared/protocol.ts";
import { BASE, call, join, token, uniqueRoom } from "../helpers/runtime.ts";
import { waitFor } from "./support/wait.ts";
import { workerSockets } from "./support/worker-socket.ts";

const clients: RoomClient[] = [];
afterEach(() => {
  for (const c of clients.splice(0)) c.close();
});

async function fill(room: string, from: number, to: number, bytes: number): Promise<void> {
  const auth = { Authorization: `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin"] } })}` };
  for (let i = from; i <= to; i++) {
    const res = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: { ...auth, "Content-Type": "application/json" },
      body: JSON.stringify({ data: { i, pad: "x".repeat(bytes) } }),
    });
    if (res.status !== 201) throw new Error(`publish ${i}: ${res.status}`);
  }
}

describe("client history", () => {
  // `shard-…` rooms are sharded (vitest.config.ts): the replay comes through a shard, HTTP history from
  // the sequencer.
  it.for([
    ["a room", "client-more"],
    ["a sharded room", "shard-client-more"],
  ])(
    "completes a replay cut short by the budget over HTTP, then goes live: every seq once (%s)",
    async ([, prefix], { expect }) => {
      const room = uniqueRoom(prefix);
      const first = await join(room);
      first.socket.close();
      await fill(room, 1, 40, 3000); // about 120 KB: more than the 64 KiB replay budget of the tests
      const sockets = workerSockets();
      const c = connect({
        url: BASE,
        room,
        token: () => token({ sub: "late" }),
        epoch: first.welcome.epoch,
        since: 0,
        createWebSocket: sockets.create,
        fetch: (input, init) => exports.default.fetch(new Request(input, init)),
      });
      clients.push(c);
      const got: MessageFrame[] = [];
      c.on("message", (m) => got.push(m));
      await c.ready();
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      await fill(room, 41, 42, 10);
      if (got.length < 42) await waitFor(c, "message", (m) => m.seq === 42, "live message 42");
      expect(got.map((m) => m.seq)).toEqual(Array.from({ length: 42 }, (_, i) => i + 1));
      expect(c.seq).toBe(42);

      const page = await c.history({ before: 10, limit: 5 });
      expect(page.messages.map((m) => m.seq)).toEqual([9, 8, 7, 6, 5]);
      expect(page.more).toBe(true);
    },
  );
});
