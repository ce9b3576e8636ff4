// Black-box: bounded rooms against `wrangler dev` with small settings: the per-user cap (429
// too_many_connections), the expiry check on every frame (4401, nothing processed), a replay cut
// short by MAX_REPLAY_BYTES completed over HTTP history by the client library, and a room of
// hundreds of distinct users above PRESENCE_LIMIT (count-only presence, capped member lists).
import { describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { PresenceFrame, RoomInfo } from "../../src/shared/protocol.ts";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { request } from "./support/http.ts";
import { expectRefused, type Joined, join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import { TestSocket } from "./support/ws-client.ts";

const PER_USER = 2;
const PRESENCE_LIMIT = 50;
const REPLAY_BYTES = 65536;
/** Sockets in the big-room test: ≤ 600 by default, ROOMCAST_E2E_SOCKETS (up to 3,000) on demand. */
/** Upgrades in flight at once while filling the big room. */
const BATCH = 50;
/** Sockets in the big-room test (a multiple of BATCH): 400 by default, ROOMCAST_E2E_SOCKETS (200–3,000) on demand. */
const SOCKETS =
  BATCH * Math.round(Math.min(3000, Math.max(200, Number(process.env.ROOMCAST_E2E_SOCKETS) || 400)) / BATCH);

const server = useDevServer({
  vars: {
    MAX_CONNECTIONS_PER_USER: String(PER_USER),
    PRESENCE_LIMIT: String(PRESENCE_LIMIT),
    MAX_REPLAY_BYTES: String(REPLAY_BYTES),
    RATE_PER_SECOND: "1000",
  },
});

const rw = (room: string) => ({ [room]: ["read", "write"] });
const as = async (room: string, user: string): Promise<Joined> =>
  join(server.url, room, { token: await tokenFor(user, rw(room)), label: user });

/** Resolves once `cond()` holds, checking on a timer; rejects after `timeoutMs`. */
function until(cond: () => boolean, what: string, timeoutMs = 5000, everyMs = 20): Promise<void> {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (cond()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`${what}: not within ${timeoutMs} ms`));
      setTimeout(tick, everyMs);
    };
    tick();
  });
}

describe("MAX_CONNECTIONS_PER_USER", () => {
  it("the third socket of one user → 429 too_many_connections; others get in; a close frees a slot", async ({
    expect,
  }) => {
    const room = uniqueRoom("cap");
    const token = await tokenFor("capped", rw(room));
    const first = await join(server.url, room, { token, label: "capped-1" });
    const second = await join(server.url, room, { token, label: "capped-2" });
    await expectRefused(server.url, room, { token }, 429, "too_many_connections");
    const other = await as(room, "other");
    expect(other.welcome.membersTotal).toBe(2);
    // A third try while still at the cap is refused again (the refusal held no slot).
    await expectRefused(server.url, room, { token }, 429, "too_many_connections");

    await first.sock.shutdown();
    const again = await join(server.url, room, { token, label: "capped-3" });
    expect(again.welcome.user.id).toBe("capped");
    expect(again.welcome.members.find((m) => m.id === "capped")?.connections).toBe(2);
    await expectRefused(server.url, room, { token }, 429, "too_many_connections");
    for (const j of [second, other, again]) await j.sock.shutdown();
  });
});

describe("expiry on every frame", () => {
  it("a publish sent at or after exp is not processed: close 4401, no ack, no message", async ({
    expect,
  }) => {
    const room = uniqueRoom("exp");
    const expSeconds = Math.floor(Date.now() / 1000) + 3;
    const short = await tokenFor("short", rw(room), { claims: { exp: expSeconds } });
    const a = await join(server.url, room, { token: short, label: "short" });
    const b = await as(room, "bystander");
    a.sock.send({ type: "publish", data: "before", id: "before" });
    const ok = await a.sock.next("ack");
    expect((await b.sock.next("message")).seq).toBe(ok.seq);

    await until(() => Date.now() >= expSeconds * 1000, "exp passed", 6000, 10);
    a.sock.send({ type: "publish", data: "late", id: "late" });
    const close = await a.sock.closed(3000);
    expect(close.code).toBe(4401);
    expect(a.sock.drain().filter((r) => r.kind === "json" && r.type === "ack")).toEqual([]);

    // Nothing was stored or broadcast: a later publish by the bystander gets the next seq, and no
    // message reached the bystander before its ack (a publisher is not sent its own message).
    b.sock.send({ type: "publish", data: "after", id: "after" });
    const next = await b.sock.next("ack");
    expect(next.seq).toBe(ok.seq + 1);
    const msgs = b.sock.drain().filter((r) => r.kind === "json" && r.type === "message");
    expect(msgs.map((r) => (r.kind === "json" ? r.value.data : null))).toEqual([]);
    const page = await request(`${server.url}/rooms/${room}/messages?after=0`, {
      token: await tokenFor("reader", { [room]: ["read"] }),
    });
    expect(page.status).toBe(200);
    expect((page.body as { messages: { data: unknown }[] }).messages.map((m) => m.data)).toEqual([
      "before",
      "after",
    ]);
    await b.sock.shutdown();
  });
});

describe("history paging through the client library", () => {
  const N = 30;
  const PAD = "x".repeat(8000); // 30 × ~8 KB ≈ 240 KB: several times MAX_REPLAY_BYTES

  it("a resume from 0 past MAX_REPLAY_BYTES delivers every seq once, in order, then live ones", async ({
    expect,
  }) => {
    const room = uniqueRoom("paging");
    const pub = await as(room, "pub");
    for (let i = 1; i <= N; i++) pub.sock.send({ type: "publish", data: { i, pad: PAD }, id: `m${i}` });
    for (let i = 1; i <= N; i++) expect((await pub.sock.next("ack", 10_000)).seq).toBe(i);

    // The server really cuts the replay short: a raw resume from 0 says more/next.
    const readToken = await tokenFor("reader", { [room]: ["read"] });
    const raw = await TestSocket.open(
      server.url,
      room,
      { token: readToken, since: 0, epoch: pub.welcome.epoch },
      "raw",
    );
    await raw.next("welcome");
    const rawSynced = await raw.next("synced", 10_000);
    expect(rawSynced).toMatchObject({ seq: N, gap: false, more: true });
    expect(rawSynced.replayed).toBeGreaterThan(0);
    expect(rawSynced.replayed).toBeLessThan(N);
    expect(rawSynced.next).toBe(rawSynced.replayed + 1);
    await raw.shutdown();

    const historyUrls: string[] = [];
    const client = connect<{ i: number; pad?: string }>({
      url: server.url,
      room,
      token: await tokenFor("lib", { [room]: ["read"] }),
      since: 0,
      epoch: pub.welcome.epoch,
      fetch: (input, init) => {
        const u = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
        if (u.includes("/messages")) historyUrls.push(u);
        return fetch(input, init);
      },
    });
    const seen: number[] = [];
    const live = 5;
    let sentDuringCatchUp = false;
    client.on("message", (m) => {
      seen.push(m.seq);
      expect(m.data.i).toBe(m.seq);
      // Live publishes while the client is still replaying / fetching pages must wait their turn.
      if (!sentDuringCatchUp) {
        sentDuringCatchUp = true;
        for (let i = N + 1; i <= N + 3; i++) pub.sock.send({ type: "publish", data: { i }, id: `m${i}` });
      }
    });
    const synced: { seq: number; gap: boolean }[] = [];
    client.on("synced", (s) => synced.push(s));
    await client.ready();
    for (let i = N + 4; i <= N + live; i++) pub.sock.send({ type: "publish", data: { i }, id: `m${i}` });
    await until(() => seen.length >= N + live, "all messages delivered", 10_000);

    expect(seen).toEqual(Array.from({ length: N + live }, (_, i) => i + 1));
    expect(synced[0]?.gap).toBe(false);
    expect(historyUrls.length).toBeGreaterThanOrEqual(2); // pages stop at MAX_REPLAY_BYTES too
    expect(new URL(historyUrls[0] ?? "").searchParams.get("after")).toBe(String(rawSynced.replayed));

    // Scroll-back: newest first, below `before`.
    const page = await client.history({ before: 20, limit: 5 });
    expect(page.messages.map((m) => m.seq)).toEqual([19, 18, 17, 16, 15]);
    expect(page).toMatchObject({ room, epoch: pub.welcome.epoch, more: true, gap: false });
    const oldest = await client.history({ before: 3, limit: 5 });
    expect(oldest.messages.map((m) => m.seq)).toEqual([2, 1]);
    expect(oldest).toMatchObject({ more: false, gap: false });

    client.close();
    await pub.sock.shutdown();
  });
});

describe("a big room above PRESENCE_LIMIT", () => {
  it(`${SOCKETS} distinct users: count-only presence, membersTotal right, member lists capped`, async ({
    expect,
  }) => {
    const room = uniqueRoom("big");
    const observer = await as(room, "observer");
    const sockets: TestSocket[] = [];
    const batches: { start: number; end: number }[] = [];
    try {
      for (let from = 0; from < SOCKETS; from += BATCH) {
        const start = performance.now();
        const batch = Array.from({ length: Math.min(BATCH, SOCKETS - from) }, async (_, k) => {
          const i = from + k;
          const token = await tokenFor(`u${i}`, { [room]: ["read"] });
          const sock = await TestSocket.open(server.url, room, { token, timeoutMs: 20_000 }, `u${i}`);
          sockets.push(sock);
          const welcome = await sock.next("welcome", 20_000);
          // 1 observer + the sockets of earlier batches are in; this batch's own are racing.
          expect(welcome.membersTotal).toBeGreaterThanOrEqual(from + 2);
          expect(welcome.membersTotal).toBeLessThanOrEqual(from + BATCH + 1);
          expect(welcome.members).toHaveLength(Math.min(welcome.membersTotal, PRESENCE_LIMIT));
          expect(welcome.members[0]?.id).toBe("observer"); // earliest arrivals first
        });
        await Promise.all(batch);
        batches.push({ start, end: performance.now() });
      }
      const total = SOCKETS + 1;
      // conn/s over 100 sockets (two batches): from the first one's start to the second one's end.
      const rate = (b: number) => 100 / (((batches[b + 1]?.end ?? 0) - (batches[b]?.start ?? 0)) / 1000);
      const firstRate = rate(0);
      const lastRate = rate(batches.length - 2);
      const seconds = ((batches.at(-1)?.end ?? 0) - (batches[0]?.start ?? 0)) / 1000;
      console.log(
        `bounded big room: ${SOCKETS} sockets in ${seconds.toFixed(1)} s; ` +
          `first 100 ${firstRate.toFixed(0)} conn/s, last 100 ${lastRate.toFixed(0)} conn/s ` +
          `(${(lastRate / firstRate).toFixed(2)}×)`,
      );
      expect(lastRate).toBeGreaterThanOrEqual(0.3 * firstRate);

      // The observer: per-user joins up to the limit, then only count frames, ending at the total.
      let last = 0;
      const counts: number[] = [];
      const joins: PresenceFrame[] = [];
      await until(
        () => {
          for (const r of observer.sock.drain()) {
            if (r.kind !== "json" || r.type !== "presence") continue;
            const p = r.value as unknown as PresenceFrame;
            if (p.event === "count") counts.push(p.members);
            else joins.push(p);
            last = p.members;
          }
          return last === total;
        },
        "count frame with every member",
        5000,
      );
      expect(joins.every((p) => p.event === "join" && p.members <= PRESENCE_LIMIT)).toBe(true);
      expect(joins).toHaveLength(PRESENCE_LIMIT - 1);
      expect(counts.length).toBeGreaterThan(0);
      expect(counts.every((n) => n > PRESENCE_LIMIT && n <= total)).toBe(true);
      expect(counts).toEqual([...counts].sort((x, y) => x - y));
      // Count frames are throttled to one a second: far fewer than the joins they stand for.
      expect(counts.length).toBeLessThan(SOCKETS / 10);

      const info = await request(`${server.url}/rooms/${room}`, {
        token: await tokenFor("admin", { [room]: ["admin"] }),
      });
      expect(info.status).toBe(200);
      const body = info.body as RoomInfo;
      expect(body.membersTotal).toBe(total);
      expect(body.connections).toBe(total);
      expect(body.members).toHaveLength(PRESENCE_LIMIT);
    } finally {
      for (let i = 0; i < sockets.length; i += BATCH)
        await Promise.all(sockets.slice(i, i + BATCH).map((s) => s.shutdown()));
      await observer.sock.shutdown();
    }
  });
});
