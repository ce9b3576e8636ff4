// The sequencer of a sharded room: one total order, the history, dedupe, and pushes to every shard.
//
// Shards hold the sockets; the sequencer holds no socket at all. Its message log is a Room's
// (log/message-log.ts): seq, group commit, history, bans, paging. What is its own: each durable commit
// is pushed to every shard with sockets, one push at a time per shard (so a shard sees batches in seq
// order unless one is lost), retrying failures. A shard that still misses a batch sees the hole at the
// next push and fetches the range with `range`.

import type { HistoryAnswer, HistoryQuery, HttpPublishResult, RoomBackend } from "../../server/room-rpc.ts";
import { shardName, shardOf } from "../../server/sharding.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { KickResult, PresenceFrame, RoomInfo, UserRef } from "../../shared/protocol.ts";
import { DirectoryReporter, type Snapshot } from "../directory/report.ts";
import type { Faults } from "../log/group-commit.ts";
import { MessageLog, type PublishOutcome } from "../log/message-log.ts";
import type { ReplayPage } from "../log/replay.ts";
import type { ResumeRequest } from "../log/resume.ts";
import { CountThrottle } from "../presence/presence-count.ts";
import { RoomObject } from "../room-object.ts";
import { AlarmClock } from "../sockets/alarm-clock.ts";
import { ShardPushes } from "./pushes.ts";
import { Origins, RoomName, ShardCounts } from "./sequencer-tables.ts";
import type { Committed, JoinPlan, Range, SequencerPublish, ShardedVars, ShardStats } from "./wire.ts";

/** Most messages one `range` or join answer carries; a shard asks again for the rest. */
export const RANGE_LIMIT = 500;
/** Most users listed in room info; `membersTotal` counts them all. */
const INFO_MEMBERS = 1000;

export class Sequencer extends RoomObject<ShardedVars> implements RoomBackend {
  readonly #messages: MessageLog<string | null>;
  readonly #pushes: ShardPushes;
  readonly #name: RoomName;
  /** messages committed in the current group, pushed once it is durable */
  #batch: Committed[] = [];
  readonly #origins: Origins;
  readonly #counts: ShardCounts;
  /** The whole room reported to the live room directory (its shards report nothing there). */
  readonly #directory: DirectoryReporter;
  /** The sequencer's alarm: only the directory heartbeat, while the room has users. */
  readonly #alarm: AlarmClock;
  /** The room's count frame, at most once a second and only on change (the room's throttle). */
  readonly #countFrames = new CountThrottle(
    () => this.members(),
    (members) => {
      if (this.#name.value === null) return;
      const frame: PresenceFrame = { type: "presence", event: "count", members };
      void this.relay(this.#name.value, JSON.stringify(frame), null);
    },
    { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) },
  );

  constructor(ctx: DurableObjectState, env: ShardedVars) {
    super(ctx, env);
    const onPublish = this.roomHooks()?.onPublish;
    const sql = ctx.storage.sql;
    this.#origins = new Origins(sql, this.settings.historyLimit);
    this.#counts = new ShardCounts(sql);
    this.#messages = new MessageLog<string | null>(ctx.storage, this.settings, this.log, {
      written: (seq, frame, origin) => this.#batch.push({ seq, frame, origin }),
      within: (seq, origin) => this.#origins.write(seq, origin),
      durable: () => {
        this.#pushBatch();
        this.#directoryChanged();
      },
      onPublish: onPublish && ((room, message) => onPublish(message, this.context(room))),
      events: this.events,
    });
    this.#name = new RoomName(sql);
    this.#directory = new DirectoryReporter(env, this.settings, this.log, () => this.#snapshot());
    this.#alarm = new AlarmClock(ctx.storage, this.log);
    this.#pushes = new ShardPushes(
      sql,
      this.log,
      (k) => this.#shard(k),
      () => this.#name.value,
    );
    // A restart may have lost pushes in flight: tell every shard the head, so one that missed a batch
    // fetches it now rather than at the next publish.
    if (this.#name.value !== null && this.#messages.seq > 0) {
      this.#pushes.pushAll({ epoch: this.#messages.epoch, head: this.#messages.seq, messages: [] });
    }
  }

  /** @internal Test seam of the sequencer's log (storage failures, held flushes). */
  get faults(): Faults {
    return this.#messages.faults;
  }

  // ---- RPC from the worker (RoomBackend) ----

  history(room: string, q: HistoryQuery, user: string): HistoryAnswer {
    this.#named(room);
    return this.#messages.page(room, q, user);
  }

  publish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult> {
    this.#named(room);
    return this.#messages.publishHttp(room, { from, data, id });
  }

  /** The ban is stored here (it outlasts restarts); the kick goes to the user's shard. */
  kick(room: string, user: string, banSeconds: number, reason: string | undefined): Promise<KickResult> {
    this.#named(room);
    const k = shardOf(user, this.settings.sharding.roomShards);
    return this.#messages.kick(room, user, banSeconds, reason, (why) =>
      this.#shard(k).kick({ room, shard: k }, user, why),
    );
  }

  banned(room: string, user: string): string | null {
    this.#named(room);
    return this.#messages.banned(room, user);
  }

  ban(room: string, user: string, banSeconds: number, reason: string | undefined): void {
    this.#named(room);
    this.#messages.ban(user, banSeconds, reason);
  }

  /** Room info: the sequencer's order and history, the shards' sockets and members. */
  async info(room: string): Promise<RoomInfo & { shards: { shard: number; connections: number }[] }> {
    this.#named(room);
    const stats = await this.#stats(room);
    return {
      room,
      ...this.#messages.head(),
      connections: stats.reduce((n, s) => n + s.connections, 0),
      members: stats.flatMap((s) => s.members).slice(0, INFO_MEMBERS),
      membersTotal: stats.reduce((n, s) => n + s.users, 0),
      shards: stats.map((s) => ({ shard: s.shard, connections: s.connections })),
    };
  }

  // ---- RPC from shards ----

  /** A hook's `ctx.publish` on a shard: stored as the server, no hook runs. */
  publishAsServer(room: string, data: unknown): Promise<{ seq: number }> {
    this.#named(room);
    return this.#messages.publishAsServer(room, data);
  }

  /** A socket's publish: assigns seq (or finds the duplicate); resolves once durable. */
  submit(room: string, p: SequencerPublish, bytes = 0): Promise<PublishOutcome> {
    this.#named(room);
    return this.#messages.publish(room, { from: p.from, data: p.data, id: p.id }, p.origin, bytes);
  }

  /**
   * Head and replay for a socket joining through shard `shard`, planned exactly as a room plans it. The
   * shard is pushed every commit from now on (until it answers a push with no sockets).
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
    this.#pushes.register(shard);
    const { replayAfter, gap } = this.#messages.plan(resume);
    const replay =
      replayAfter === null
        ? { frames: [], bytes: 0, last: null, more: false }
        : this.#messages.collect(replayAfter, this.settings.maxReplayBytes);
    const members = { total: this.members(), shard: this.#counts.of(shard) };
    return { epoch: this.#messages.epoch, head: this.#messages.seq, gap, replayAfter, replay, members };
  }

  /** More of a join's replay (deliveries moved on while it was asked), within what is left of the budget. */
  replay(room: string, after: number, maxBytes: number, atLeastOne: boolean): ReplayPage {
    this.#named(room);
    return this.#messages.collect(after, maxBytes, atLeastOne);
  }

  /** Retained messages with seq > after (at most RANGE_LIMIT), for a shard filling a hole. */
  range(room: string, after: number, limit = RANGE_LIMIT): Range {
    this.#named(room);
    const entries = this.#messages.entriesAfter(after, Math.max(1, Math.min(limit, RANGE_LIMIT)));
    const messages = this.#origins.attach(after, entries);
    return {
      epoch: this.#messages.epoch,
      head: this.#messages.seq,
      oldest: this.#messages.bounds().oldest,
      messages,
    };
  }

  /** A shard's distinct user count; the sum goes to every shard at most once a second. */
  report(room: string, shard: number, users: number): void {
    this.#named(room);
    this.#counts.set(shard, users);
    this.#countFrames.changed();
    this.#directoryChanged();
  }

  /** The directory heartbeat (a sequencer has no other alarm): the room's sockets counted on its shards. */
  override async alarm(): Promise<void> {
    this.#alarm.fired();
    const next = await this.#directory.tick();
    if (next !== null) await this.#alarm.set(next);
  }

  /** The sum of the shards' distinct users (each user lives on one shard). */
  members(): number {
    return this.#counts.total();
  }

  /** Binary frames (and other unstored traffic) go to every shard with sockets; not stored, no seq. */
  async relay(room: string, frame: ArrayBuffer | string, origin: string | null): Promise<void> {
    this.#named(room);
    await Promise.allSettled(
      this.#pushes.shards().map((k) => this.#shard(k).broadcast({ room, shard: k }, frame, origin)),
    );
  }

  /** @internal What waits for shard `k`: a push in flight, and how many messages are merged behind it. */
  pushLane(k: number): { inFlight: boolean; pending: number | null } {
    return this.#pushes.lane(k);
  }

  /** @internal The shards pushed to (for tests and tools). */
  activeShards(): number[] {
    return this.#pushes.shards();
  }

  // ---- internals ----

  protected override directTo(userId: string, text: string): Promise<number> {
    return this.#shard(shardOf(userId, this.settings.sharding.roomShards)).direct(userId, text);
  }

  /** Each shard's sockets and users; only shards with sockets are asked (an empty one is not woken). */
  #stats(room: string): Promise<ShardStats[]> {
    const all = Array.from({ length: this.settings.sharding.roomShards }, (_, k) => k);
    return Promise.all(
      all.map((k) =>
        this.#pushes.active(k)
          ? this.#shard(k).stats({ room, shard: k })
          : { shard: k, connections: 0, users: 0, members: [] },
      ),
    );
  }

  /** The whole room as the directory lists it, counted on its shards now. */
  async #snapshot(): Promise<Snapshot | null> {
    const room = this.#name.value;
    if (room === null) return null;
    const stats = await this.#stats(room);
    return {
      room,
      sockets: stats.reduce((n, s) => n + s.connections, 0),
      users: stats.reduce((n, s) => n + s.users, 0),
      seq: this.#messages.seq,
      messagesLastMinute: this.#messages.messagesLastMinute(Date.now()),
      sharded: true,
    };
  }

  /** A shard's count or a commit: tell the directory (throttled) and keep the heartbeat armed. */
  #directoryChanged(): void {
    const live = this.members() > 0;
    this.#directory.changed(live);
    const at = this.#directory.heartbeatAt();
    if (live && at !== null) {
      this.#alarm.arm(at).catch((err: unknown) =>
        this.log("warn", {
          event: "directory_alarm_failed",
          room: this.#name.value,
          error: errorMessage(err),
        }),
      );
    }
  }

  /** Every call names the room; the first one is stored, so a restarted sequencer can reach its shards. */
  #named(room: string): void {
    this.#name.remember(room);
  }

  #shard(k: number) {
    if (this.#name.value === null) throw new Error("sequencer used before any call named its room");
    return this.placed(this.env.SHARDS, shardName(this.#name.value, k), this.#name.value);
  }

  /** After a commit: the batch goes to every shard with sockets, each behind that shard's previous push. */
  #pushBatch(): void {
    if (this.#batch.length === 0) return;
    const messages = this.#batch;
    this.#batch = [];
    this.#pushes.pushAll({ epoch: this.#messages.epoch, head: this.#messages.seq, messages });
  }
}
