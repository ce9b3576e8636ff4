// The sequencer's pushes to its shards: which shards are pushed to, and at most one push in flight each.
//
// A shard joins the active set when a socket joins through it and leaves it when it answers a push with
// no sockets left; the set is stored, so a restarted sequencer keeps pushing to the same shards.
//
// Bounded: while a push to a shard is in flight (or retrying), later commits merge into one pending push
// for that shard. Above MERGE_MAX_CHARS of merged frames the pending push keeps only the head: the shard
// sees the hole and fetches the range itself. So a slow or failing shard costs the sequencer at most one
// push and one pending head, whatever the commit rate.
import type { Log } from "../../server/logger.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { RoomShard } from "./shard.ts";
import type { Push } from "./wire.ts";

const PUSH_ATTEMPTS = 4;
/** Frames held for one shard while its push is in flight; past this, only the head is sent. */
export const MERGE_MAX_CHARS = 1 << 20;

interface Lane {
  inFlight: boolean;
  pending: Push | null;
  /** characters of frames in `pending` */
  chars: number;
  /** `pending.messages` is this lane's own array (not shared with other lanes' pushes) */
  owned: boolean;
}

export class ShardPushes {
  readonly #sql: SqlStorage;
  readonly #log: Log;
  readonly #shard: (k: number) => DurableObjectStub<RoomShard>;
  readonly #room: () => string | null;
  readonly #active = new Set<number>();
  /** per shard: registrations so far (a push answered "empty" unregisters only if none came since) */
  readonly #registered = new Map<number, number>();
  readonly #lanes = new Map<number, Lane>();

  constructor(
    sql: SqlStorage,
    log: Log,
    shard: (k: number) => DurableObjectStub<RoomShard>,
    room: () => string | null,
  ) {
    this.#sql = sql;
    this.#log = log;
    this.#shard = shard;
    this.#room = room;
    sql.exec(`CREATE TABLE IF NOT EXISTS active_shards (shard INTEGER PRIMARY KEY)`);
    for (const row of sql.exec<{ shard: number }>(`SELECT shard FROM active_shards`))
      this.#active.add(row.shard);
  }

  /** The shards pushed to, in order. */
  shards(): number[] {
    return [...this.#active].sort((a, b) => a - b);
  }

  active(k: number): boolean {
    return this.#active.has(k);
  }

  /** A socket joined through shard `k`: push to it from now on. */
  register(k: number): void {
    this.#registered.set(k, (this.#registered.get(k) ?? 0) + 1);
    if (this.#active.has(k)) return;
    this.#active.add(k);
    this.#sql.exec(`INSERT OR IGNORE INTO active_shards (shard) VALUES (?)`, k);
  }

  /** One commit (or just the head) for every active shard. */
  pushAll(push: Push): void {
    for (const k of this.#active) this.#enqueue(k, push);
  }

  /** @internal What waits for shard `k` (for tests): whether a push is in flight and the pending one. */
  lane(k: number): { inFlight: boolean; pending: number | null } {
    const lane = this.#lanes.get(k);
    return { inFlight: lane?.inFlight ?? false, pending: lane?.pending?.messages.length ?? null };
  }

  #enqueue(k: number, push: Push): void {
    let lane = this.#lanes.get(k);
    if (lane === undefined) {
      lane = { inFlight: false, pending: null, chars: 0, owned: false };
      this.#lanes.set(k, lane);
    }
    merge(lane, push);
    if (!lane.inFlight) void this.#drain(k, lane);
  }

  /** Sends what is pending for shard `k`, one push at a time, until nothing is. */
  async #drain(k: number, lane: Lane): Promise<void> {
    lane.inFlight = true;
    try {
      while (lane.pending !== null) {
        const push = lane.pending;
        lane.pending = null;
        lane.chars = 0;
        lane.owned = false;
        // Read when the push is sent: a registration after this leaves the shard in the set.
        const since = this.#registered.get(k) ?? 0;
        if ((await this.#send(k, push)) === "empty") this.#unregister(k, since);
      }
    } finally {
      lane.inFlight = false;
      if (lane.pending === null) this.#lanes.delete(k);
    }
  }

  /** "empty": the shard has no sockets and no joins in progress; it need not be pushed to any more. */
  async #send(k: number, push: Push): Promise<"live" | "empty" | "failed"> {
    const room = this.#room();
    if (room === null) return "failed";
    for (let attempt = 1; ; attempt++) {
      try {
        return (await this.#shard(k).deliver({ room, shard: k }, push)) ? "live" : "empty";
      } catch (err) {
        if (attempt >= PUSH_ATTEMPTS) {
          // The shard sees the hole at its next push (or join) and fetches the range itself.
          this.#log("warn", {
            event: "push_failed",
            room,
            shard: k,
            head: push.head,
            error: errorMessage(err),
          });
          return "failed";
        }
        await new Promise((r) => setTimeout(r, 25 * 4 ** attempt * (0.5 + Math.random())));
      }
    }
  }

  /** Shard `k` answered a push sent after registration number `since` with no sockets and no joins. */
  #unregister(k: number, since: number): void {
    if ((this.#registered.get(k) ?? 0) !== since || !this.#active.has(k)) return;
    this.#active.delete(k);
    this.#sql.exec(`DELETE FROM active_shards WHERE shard = ?`, k);
  }
}

/** Adds a push to what waits for a lane: frames append (within the cap), the head moves on. */
function merge(lane: Lane, push: Push): void {
  const chars = push.messages.reduce((n, m) => n + m.frame.length, 0);
  const prev = lane.pending;
  if (prev !== null && prev.epoch === push.epoch && lane.chars + chars <= MERGE_MAX_CHARS) {
    if (!lane.owned) prev.messages = [...prev.messages];
    lane.owned = true;
    prev.messages.push(...push.messages);
    prev.head = push.head;
    lane.chars += chars;
    return;
  }
  // First push, a new epoch, or over the cap: keep the head only when the frames would not fit.
  const fits = prev === null || prev.epoch !== push.epoch ? chars <= MERGE_MAX_CHARS : false;
  lane.pending = fits ? { ...push } : { epoch: push.epoch, head: push.head, messages: [] };
  lane.chars = fits ? chars : 0;
  lane.owned = false;
}
