// Black-box: one sharded room (8 shards) with many sockets and several publishers, across a restart.
// Every socket receives every message exactly once, in the same seq order. SHARDED_E2E_SOCKETS_PER_SHARD
// (default 100) and SHARDED_E2E_MESSAGES (per publisher per phase, default 10) make a larger run.

import { describe, it } from "vitest";
import WebSocket from "ws";
import { shardOf } from "../../src/server/sharding.ts";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import { roomSocketUrl } from "./support/ws-client.ts";

const SHARDS = 8;
const PER_SHARD = Number(process.env.SHARDED_E2E_SOCKETS_PER_SHARD ?? 100);
const PUBLISHERS = 4;
const MESSAGES = Number(process.env.SHARDED_E2E_MESSAGES ?? 10);

const server = useDevServer({
  vars: { SHARDED_ROOMS: "big-*", ROOM_SHARDS: String(SHARDS), RATE_PER_SECOND: "1000", LOG_LEVEL: "warn" },
});

/** A socket that records every message seq it gets, over as many connections as it takes. */
class Viewer {
  readonly seqs: number[] = [];
  readonly acks = new Map<string, number>();
  epoch = "";
  ws: WebSocket | null = null;
  #onFrame: (() => void) | null = null;

  readonly user: string;
  readonly token: string;

  constructor(user: string, token: string) {
    this.user = user;
    this.token = token;
  }

  get last(): number {
    return this.seqs.at(-1) ?? 0;
  }

  /** Connects (resuming from the last seq once it has an epoch) and resolves at `synced`. */
  connect(base: string, room: string): Promise<void> {
    const resume = this.epoch ? { since: this.last, epoch: this.epoch } : {};
    const ws = new WebSocket(roomSocketUrl(base, room, resume), {
      headers: { authorization: `Bearer ${this.token}` },
    });
    this.ws = ws;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${this.user}: not synced within 60 s`)), 60_000);
      ws.on("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      ws.on("message", (data, binary) => {
        if (binary) return;
        const text = data.toString();
        if (text === "pong") return;
        const f = JSON.parse(text) as { type: string; seq?: number; id?: string | null; epoch?: string };
        if (f.type === "welcome") this.epoch = f.epoch ?? "";
        else if (f.type === "message") this.seqs.push(f.seq ?? -1);
        else if (f.type === "ack" && f.id) this.acks.set(f.id, f.seq ?? -1);
        else if (f.type === "synced") {
          clearTimeout(timer);
          resolve();
        }
        this.#onFrame?.();
      });
    });
  }

  /** Resolves once `check()` holds, re-checking on every frame; rejects after `ms`. */
  until(check: () => boolean, ms: number, what: string): Promise<void> {
    if (check()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.#onFrame = null;
        reject(new Error(`${this.user}: ${what} not within ${ms} ms (last seq ${this.last})`));
      }, ms);
      this.#onFrame = () => {
        if (!check()) return;
        clearTimeout(timer);
        this.#onFrame = null;
        resolve();
      };
    });
  }

  closed(): Promise<number> {
    const ws = this.ws;
    if (ws === null || ws.readyState === WebSocket.CLOSED) return Promise.resolve(1006);
    return new Promise((resolve) => ws.once("close", (code) => resolve(code)));
  }
}

/** `n` user ids for each shard, found with the worker's own hash. */
function usersPerShard(n: number): string[] {
  const counts = new Array<number>(SHARDS).fill(0);
  const out: string[] = [];
  for (let i = 0; out.length < n * SHARDS; i++) {
    const id = `viewer-${i}`;
    const k = shardOf(id, SHARDS);
    if ((counts[k] ?? 0) < n) {
      counts[k] = (counts[k] ?? 0) + 1;
      out.push(id);
    }
  }
  return out;
}

async function connectAll(viewers: Viewer[], room: string): Promise<void> {
  // A few at a time: wrangler's proxy is one process on a shared 2-core machine.
  for (let i = 0; i < viewers.length; i += 50) {
    await Promise.all(viewers.slice(i, i + 50).map((v) => v.connect(server.url, room)));
  }
}

/** Each publisher sends its messages `from…to-1` with ids; resolves when all are acked. */
async function publish(pubs: Viewer[], from: number, to: number): Promise<void> {
  for (let n = from; n < to; n++) {
    for (const p of pubs)
      p.ws?.send(JSON.stringify({ type: "publish", data: { by: p.user, n }, id: `m${n}` }));
  }
  await Promise.all(pubs.map((p) => p.until(() => p.acks.size >= to, 30_000, `acks up to m${to - 1}`)));
}

describe("sharded room under wrangler dev", () => {
  it(`${SHARDS} shards × ${PER_SHARD} sockets, ${PUBLISHERS} publishers: every message once, one order, across a restart`, {
    timeout: 600_000,
  }, async ({ expect }) => {
    const room = uniqueRoom("big");
    const started = Date.now();
    const viewers = await Promise.all(
      usersPerShard(PER_SHARD).map(async (u) => new Viewer(u, await tokenFor(u, { [room]: ["read"] }))),
    );
    const pubs = await Promise.all(
      Array.from({ length: PUBLISHERS }, async (_, i) => {
        const u = `publisher-${i}`;
        return new Viewer(u, await tokenFor(u, { [room]: ["read", "write"] }));
      }),
    );
    await connectAll([...viewers, ...pubs], room);
    const connectedMs = Date.now() - started;

    // Phase 1, then a restart with publishes still unacked, then phase 2.
    await publish(pubs, 0, MESSAGES);
    const half = Math.floor(MESSAGES / 2);
    for (const p of pubs) {
      for (let n = MESSAGES; n < MESSAGES + half; n++) {
        p.ws?.send(JSON.stringify({ type: "publish", data: { by: p.user, n }, id: `m${n}` }));
      }
    }
    const drops = [...viewers, ...pubs].map((v) => v.closed());
    await server.restart();
    const codes = await Promise.all(drops);
    expect(codes.every((c) => c === 1001 || c === 1006)).toBe(true);
    const restartedAt = Date.now();
    await connectAll([...viewers, ...pubs], room);
    const reconnectedMs = Date.now() - restartedAt;
    // The client library resends what was not acked, with the same ids: the room dedupes.
    await publish(pubs, MESSAGES, 2 * MESSAGES);

    const ids = new Map<number, string>();
    for (const p of pubs) for (const [id, seq] of p.acks) ids.set(seq, `${p.user}/${id}`);
    const total = PUBLISHERS * 2 * MESSAGES;
    expect(ids.size, "distinct acked seqs").toBe(total);
    const expected = [...ids.keys()].sort((a, b) => a - b);
    expect(expected).toEqual(Array.from({ length: total }, (_, i) => i + 1));

    await Promise.all(viewers.map((v) => v.until(() => v.last >= total, 60_000, `seq ${total}`)));
    let deliveries = 0;
    for (const v of viewers) {
      deliveries += v.seqs.length;
      // Exactly once and in order: the whole stream, over both connections, is 1…total.
      if (v.seqs.length !== total || v.seqs.some((s, i) => s !== i + 1)) {
        expect.fail(`${v.user} got ${v.seqs.length} messages: ${v.seqs.slice(0, 20).join(",")}…`);
      }
    }
    const report = {
      event: "sharded_e2e",
      shards: SHARDS,
      sockets: viewers.length + pubs.length,
      publishers: PUBLISHERS,
      messages: total,
      deliveries,
      connectMs: connectedMs,
      reconnectAfterRestartMs: reconnectedMs,
      totalMs: Date.now() - started,
    };
    console.log(JSON.stringify(report));
    expect(deliveries).toBe(viewers.length * total);
    for (const v of [...viewers, ...pubs]) v.ws?.close(1000);
  });
});
