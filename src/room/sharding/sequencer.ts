// The sequencer of a sharded room: one total order, the history, dedupe, and pushes to every shard.
//
// Shards hold the sockets; the sequencer holds no socket at all. It assigns seq and writes history with
// the room's group commit, then pushes each committed batch to every shard, one push at a time per
// shard (so a shard sees batches in seq order unless one is lost), retrying failures. A shard that still
// misses a batch sees the hole at the next push and fetches the range with `range`.
import { DurableObject } from "cloudflare:workers";
import { type Log, logger } from "../../server/logger.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult } from "../../server/room-rpc.ts";
import { parseSettings, type Settings } from "../../server/settings.ts";
import { shardName, shardOf } from "../../server/sharding.ts";
import type { KickResult, PresenceFrame, RoomInfo, UserRef } from "../../shared/protocol.ts";
import {
  approxBytes,
  type Faults,
  failingWrites,
  GroupCommit,
  heldFlush,
  Overloaded,
} from "../log/group-commit.ts";
import { History } from "../log/history.ts";
import { renderMessage } from "../log/message-frame.ts";
import { Bans, bannedMessage, kickReason } from "../log/moderation.ts";
import { collectReplay, historyPage, type ReplayPage } from "../log/replay.ts";
import { planResume, type ResumeRequest } from "../log/resume.ts";
import { CountThrottle } from "../presence/presence-count.ts";
import type {
  Committed,
  JoinPlan,
  PublishOutcome,
  Push,
  Range,
  SequencerPublish,
  ShardStats,
} from "./wire.ts";

type Result = { seq: number; duplicate: boolean } | { refused: "too_large"; message: string };

/** Most messages one `range` or join answer carries; a shard asks again for the rest. */
export const RANGE_LIMIT = 500;
/** Most users listed in room info; `membersTotal` counts them all. */
const INFO_MEMBERS = 1000;
const PUSH_ATTEMPTS = 4;

export class Sequencer extends DurableObject<Env> {
  readonly #settings: Settings;
  readonly #history: History;
  readonly #log: Log;
  readonly #bans: Bans;
  #room: string | null = null;
  /** messages committed in the current group, pushed once it is durable */
  #batch: Committed[] = [];
  /** per shard: the push chain (pushes to one shard never overlap, so they arrive in seq order) */
  readonly #chains = new Map<number, Promise<void>>();
  readonly #counts = new Map<number, number>();
  /** The room's count frame, at most once a second and only on change (the room's throttle). */
  readonly #countFrames = new CountThrottle(
    () => this.members(),
    (members) => {
      if (this.#room === null) return;
      const frame: PresenceFrame = { type: "presence", event: "count", members };
      void this.relay(this.#room, JSON.stringify(frame), null);
    },
    { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) },
  );
  /**
   * Shards that have (or just had) sockets: the only ones pushed to. A shard joins the set when a socket
   * joins through it and leaves it when it answers a push with no sockets left; stored, so a restarted
   * sequencer keeps pushing to the same shards.
   */
  readonly #active = new Set<number>();
  /** per shard: registrations so far (a push answered "empty" unregisters only if none came since) */
  readonly #registered = new Map<number, number>();
  /** Test seam, as in a room (storage failures, held flushes); inert unless a test sets it. */
  readonly faults: Faults = { failWrites: 0, holdFlush: null };
  readonly #commits = new GroupCommit<SequencerPublish, Result>(
    (p) => this.#store(p),
    heldFlush(this.faults, async () => {
      await this.ctx.storage.sync();
      this.#pushBatch();
    }),
  );

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.#settings = parseSettings(env);
    this.#history = new History(ctx.storage, this.#settings.historyLimit);
    this.#history.beforeCommit = failingWrites(this.faults);
    this.#log = logger(this.#settings.logLevel);
    this.#bans = new Bans(ctx.storage.sql);
    const sql = ctx.storage.sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_counts (shard INTEGER PRIMARY KEY, users INTEGER NOT NULL)`);
    for (const row of sql.exec<{ shard: number; users: number }>(`SELECT * FROM shard_counts`)) {
      this.#counts.set(row.shard, row.users);
    }
    sql.exec(`CREATE TABLE IF NOT EXISTS active_shards (shard INTEGER PRIMARY KEY)`);
    for (const row of sql.exec<{ shard: number }>(`SELECT shard FROM active_shards`))
      this.#active.add(row.shard);
    // The publisher's connection of each retained message, written in the message's own commit, so a
    // shard that fetches a range still gives that connection the ack only, never the message.
    sql.exec(`CREATE TABLE IF NOT EXISTS origins (seq INTEGER PRIMARY KEY, origin TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS sequencer_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const named = sql
      .exec<{ value: string }>(`SELECT value FROM sequencer_meta WHERE key = 'room'`)
      .toArray();
    this.#room = named[0]?.value ?? null;
    // A restart may have lost pushes in flight: tell every shard the head, so one that missed a batch
    // fetches it now rather than at the next publish.
    if (this.#room !== null && this.#history.seq > 0) {
      const push: Push = { epoch: this.#history.epoch, head: this.#history.seq, messages: [] };
      for (const k of this.#active) this.#enqueue(k, push);
    }
  }

  // ---- RPC from shards and the worker ----

  /**
   * Assigns seq (or finds the duplicate); resolves once durable. Origin is the publisher's connection.
   * A full group commit or an oversized frame is answered as a refusal; a storage failure throws.
   */
  async publish(room: string, p: SequencerPublish, bytes = 0): Promise<PublishOutcome> {
    this.#named(room);
    try {
      return await this.#commits.submit(p, bytes);
    } catch (err) {
      if (err instanceof Overloaded) return { refused: "overloaded", message: err.message };
      // Answered rather than thrown, so the shard closes the publisher 1011 without an RPC exception.
      this.#log("warn", { event: "storage_failed", room, user: p.from.id, error: String(err) });
      return { failed: String(err) };
    }
  }

  /** `GET /rooms/:room/messages`: the room's history is here, paged exactly as a room pages it. */
  history(room: string, q: HistoryQuery): HistoryAnswer {
    this.#named(room);
    return historyPage(this.#history, room, q, this.#settings.maxReplayBytes);
  }

  /** `POST /rooms/:room/messages`, answered in the room's shape (a ban is refused before any write). */
  async httpPublish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult> {
    const banned = this.banned(room, from.id);
    if (banned !== null) return { ok: false, code: "banned", message: banned };
    const r = await this.publish(room, { from, data, id, origin: null }, approxBytes(data));
    if ("refused" in r) return { ok: false, code: r.refused, message: r.message };
    if ("failed" in r) {
      return { ok: false, code: "unavailable", message: "the message could not be stored; retry" };
    }
    return r.duplicate ? { ok: true, seq: r.seq, duplicate: true } : { ok: true, seq: r.seq };
  }

  /**
   * Head and replay for a socket joining through shard `shard`, planned exactly as an unsharded room
   * plans it. The shard is pushed every commit from now on (until it answers a push with no sockets).
   */
  join(
    room: string,
    resume: ResumeRequest | null,
    user: string,
    shard: number,
  ): JoinPlan | { banned: string } {
    this.#named(room);
    const banned = this.banned(room, user);
    if (banned !== null) return { banned };
    this.#register(shard);
    const h = this.#history;
    const plan = planResume(resume, h.epoch, h.seq, h.bounds());
    const replay =
      plan.replayAfter === null
        ? { frames: [], bytes: 0, last: null, more: false }
        : collectReplay(h, plan.replayAfter, this.#settings.maxReplayBytes);
    const members = { total: this.members(), shard: this.#counts.get(shard) ?? 0 };
    return { epoch: h.epoch, head: h.seq, gap: plan.gap, replayAfter: plan.replayAfter, replay, members };
  }

  /** More of a join's replay (deliveries moved on while it was asked), within what is left of the budget. */
  replay(room: string, after: number, maxBytes: number, atLeastOne: boolean): ReplayPage {
    this.#named(room);
    return collectReplay(this.#history, after, Math.max(0, maxBytes), atLeastOne);
  }

  /** Retained messages with seq > after (at most RANGE_LIMIT), for a shard filling a hole. */
  range(room: string, after: number, limit = RANGE_LIMIT): Range {
    this.#named(room);
    const h = this.#history;
    const entries = h.entriesAfter(after, Math.max(1, Math.min(limit, RANGE_LIMIT)));
    const origins = new Map<number, string>();
    const last = entries.at(-1)?.seq;
    if (last !== undefined) {
      for (const row of this.ctx.storage.sql.exec<{ seq: number; origin: string }>(
        `SELECT seq, origin FROM origins WHERE seq > ? AND seq <= ?`,
        after,
        last,
      )) {
        origins.set(row.seq, row.origin);
      }
    }
    const messages = entries.map((e) => ({ ...e, origin: origins.get(e.seq) ?? null }));
    return { epoch: h.epoch, head: h.seq, oldest: h.bounds().oldest, messages };
  }

  /** `POST /rooms/:room/kick`: the ban is stored here (it outlasts restarts), the kick goes to the user's shard. */
  async kick(
    room: string,
    user: string,
    banSeconds: number,
    reason: string | undefined,
  ): Promise<KickResult> {
    this.#named(room);
    if (banSeconds > 0) this.#bans.ban(user, Date.now() + banSeconds * 1000, reason ?? null);
    const k = shardOf(user, this.#settings.sharding.roomShards);
    const closed = await this.#shard(k).kick({ room, shard: k }, user, kickReason(reason, banSeconds));
    this.#log("info", { event: "kick", room, user, closed, banSeconds });
    return { closed };
  }

  /** The `403 banned` message while the user is banned from this room, else null. */
  banned(room: string, user: string): string | null {
    const ban = this.#bans.active(user, Date.now());
    return ban ? bannedMessage(user, room, ban) : null;
  }

  /** A shard's distinct user count; the sum goes to every shard at most once a second. */
  report(room: string, shard: number, users: number): void {
    this.#named(room);
    this.#counts.set(shard, users);
    this.ctx.storage.sql.exec(
      `INSERT INTO shard_counts (shard, users) VALUES (?, ?) ON CONFLICT (shard) DO UPDATE SET users = excluded.users`,
      shard,
      users,
    );
    this.#countFrames.changed();
  }

  /** The sum of the shards' distinct users (each user lives on one shard). */
  members(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c;
    return n;
  }

  /** Binary frames (and other unstored traffic) go to every shard with sockets; not stored, no seq. */
  async relay(room: string, frame: ArrayBuffer | string, origin: string | null): Promise<void> {
    this.#named(room);
    await Promise.allSettled(
      [...this.#active].map((k) => this.#shard(k).broadcast({ room, shard: k }, frame, origin)),
    );
  }

  /** The shards pushed to (for tests and tools). */
  activeShards(): number[] {
    return [...this.#active].sort((a, b) => a - b);
  }

  /** Room info: the sequencer's order and history, the shards' sockets and members. */
  async info(
    room: string,
  ): Promise<RoomInfo & { membersTotal: number; shards: { shard: number; connections: number }[] }> {
    this.#named(room);
    // Only shards with sockets are asked (an empty shard is not woken); the others count as empty.
    const stats: ShardStats[] = await Promise.all(
      this.#shards().map((k) =>
        this.#active.has(k)
          ? this.#shard(k).stats({ room, shard: k })
          : { shard: k, connections: 0, users: 0, members: [] },
      ),
    );
    return {
      room,
      epoch: this.#history.epoch,
      seq: this.#history.seq,
      connections: stats.reduce((n, s) => n + s.connections, 0),
      members: stats.flatMap((s) => s.members).slice(0, INFO_MEMBERS),
      membersTotal: stats.reduce((n, s) => n + s.users, 0),
      history: this.#history.bounds(),
      shards: stats.map((s) => ({ shard: s.shard, connections: s.connections })),
    };
  }

  // ---- internals ----

  /** Every call names the room; the first one is stored, so a restarted sequencer can reach its shards. */
  #named(room: string): void {
    if (this.#room === room) return;
    this.#room = room;
    this.ctx.storage.sql.exec(
      `INSERT INTO sequencer_meta (key, value) VALUES ('room', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      room,
    );
  }

  #shards(): number[] {
    return Array.from({ length: this.#settings.sharding.roomShards }, (_, k) => k);
  }

  #shard(k: number) {
    if (this.#room === null) throw new Error("sequencer used before any call named its room");
    return this.env.SHARDS.getByName(shardName(this.#room, k));
  }

  #store(p: SequencerPublish): Result {
    if (p.id !== undefined) {
      const seq = this.#history.findDuplicate(p.from.id, p.id);
      if (seq !== null) return { seq, duplicate: true };
    }
    const seq = this.#history.seq + 1;
    const fields = { seq, from: p.from, data: p.data, id: p.id, ts: Date.now() };
    const rendered = renderMessage(fields, this.#settings.maxMessageBytes);
    if ("refused" in rendered) return rendered;
    const { frame } = rendered;
    this.#history.append(seq, p.from.id, p.id, frame);
    this.#batch.push({ seq, frame, origin: p.origin });
    const sql = this.ctx.storage.sql;
    if (p.origin !== null) sql.exec(`INSERT INTO origins (seq, origin) VALUES (?, ?)`, seq, p.origin);
    sql.exec(`DELETE FROM origins WHERE seq <= ?`, seq - this.#settings.historyLimit);
    return { seq, duplicate: false };
  }

  /** After a commit: the batch goes to every shard, each behind that shard's previous push. */
  #pushBatch(): void {
    if (this.#batch.length === 0) return;
    const push: Push = { epoch: this.#history.epoch, head: this.#history.seq, messages: this.#batch };
    this.#batch = [];
    for (const k of this.#active) this.#enqueue(k, push);
  }

  #register(k: number): void {
    this.#registered.set(k, (this.#registered.get(k) ?? 0) + 1);
    if (this.#active.has(k)) return;
    this.#active.add(k);
    this.ctx.storage.sql.exec(`INSERT OR IGNORE INTO active_shards (shard) VALUES (?)`, k);
  }

  /** Shard `k` answered a push sent after registration number `since` with no sockets and no joins. */
  #unregister(k: number, since: number): void {
    if ((this.#registered.get(k) ?? 0) !== since || !this.#active.has(k)) return;
    this.#active.delete(k);
    this.ctx.storage.sql.exec(`DELETE FROM active_shards WHERE shard = ?`, k);
  }

  #enqueue(k: number, push: Push): void {
    const room = this.#room;
    if (room === null) return;
    const prev = this.#chains.get(k) ?? Promise.resolve();
    const next = prev.then(async () => {
      // Read when the push is sent: a registration after this leaves the shard in the set.
      const since = this.#registered.get(k) ?? 0;
      if ((await this.#pushWithRetry(room, k, push)) === "empty") this.#unregister(k, since);
    });
    this.#chains.set(k, next);
    void next.finally(() => {
      if (this.#chains.get(k) === next) this.#chains.delete(k);
    });
  }

  /** "empty": the shard has no sockets and no joins in progress; it need not be pushed to any more. */
  async #pushWithRetry(room: string, k: number, push: Push): Promise<"live" | "empty" | "failed"> {
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#shard(k).deliver({ room, shard: k }, push)) ? "live" : "empty";
      } catch (err) {
        if (attempt >= PUSH_ATTEMPTS) {
          // The shard sees the hole at its next push (or report) and fetches the range itself.
          this.#log("warn", { event: "push_failed", room, shard: k, head: push.head, error: String(err) });
          return "failed";
        }
        await new Promise((r) => setTimeout(r, 25 * 4 ** attempt * (0.5 + Math.random())));
      }
    }
  }
}
