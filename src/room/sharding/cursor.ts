// Where a shard is in its room's order: what it delivered (stored), the hole it fills, the join it aligns.

import type { Log } from "../../server/logger.ts";
import type { ResumeRequest } from "../log/resume.ts";
import { SeqOrder } from "./ordering.ts";
import type { Sequencer } from "./sequencer.ts";
import type { Committed, PublishOutcome, Push, SequencerPublish, ShardAddress } from "./wire.ts";

export interface CursorHooks {
  sequencer(room: string): DurableObjectStub<Sequencer>;
  /** send messages (one commit, or a fetched range), in order, to every socket but each one's publisher */
  deliver(messages: Committed[]): void;
  /** open sockets on the shard */
  live(): number;
  /** seqs from…to are gone from history before this shard delivered them */
  lost(room: string, from: number, to: number): void;
  log: Log;
}

export interface AlignedJoin {
  epoch: string;
  /** the last seq this shard delivered: the new socket's live stream starts after it */
  seq: number;
  /** replay frames, oldest first, ending at `seq` unless the budget cut them short (`more`) */
  frames: string[];
  gap: boolean;
  /** MAX_REPLAY_BYTES ran out before `seq`: the client reads `next`…`seq` over HTTP history */
  more: boolean;
  next?: number;
  /** distinct users on the other shards, as last reported to the sequencer */
  elsewhere: number;
}

const CATCH_UP_ROUNDS = 50;

export class ShardCursor {
  readonly #sql: SqlStorage;
  readonly #hooks: CursorHooks;
  #addr: ShardAddress | null;
  #epoch: string | null;
  #order: SeqOrder<Committed>;
  #catching = false;

  constructor(sql: SqlStorage, hooks: CursorHooks) {
    this.#sql = sql;
    this.#hooks = hooks;
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const addr = this.#get("address");
    this.#addr = addr === null ? null : (JSON.parse(addr) as ShardAddress);
    this.#epoch = this.#get("epoch");
    this.#order = new SeqOrder(Number(this.#get("delivered") ?? "0"));
  }

  get address(): ShardAddress | null {
    return this.#addr;
  }

  get delivered(): number {
    return this.#order.delivered;
  }

  /** Stores which room and shard this object is (every call from the worker or sequencer names it). */
  remember(addr: ShardAddress): void {
    if (this.#addr?.room === addr.room && this.#addr.shard === addr.shard) return;
    this.#addr = { room: addr.room, shard: addr.shard };
    this.#set("address", JSON.stringify(this.#addr));
  }

  /** Forwards a publish; a keyed publish is retried once when the runtime says that is safe. */
  async publish(p: SequencerPublish, bytes: number): Promise<PublishOutcome> {
    const room = this.#room();
    try {
      return await this.#hooks.sequencer(room).submit(room, p, bytes);
    } catch (err) {
      if (p.id === undefined || !(err as { retryable?: boolean }).retryable) throw err;
      return await this.#hooks.sequencer(room).submit(room, p, bytes);
    }
  }

  /**
   * Head and replay for a new socket, cut so the replay ends exactly at what this shard has delivered:
   * the socket's live stream then continues with the shard's next delivery, never skipping or repeating.
   */
  async join(
    user: string,
    resume: ResumeRequest | null,
    empty: boolean,
    maxBytes: number,
  ): Promise<AlignedJoin | { banned: string }> {
    const room = this.#room();
    const sequencer = this.#hooks.sequencer(room);
    const plan = await sequencer.join(room, resume, user, this.#addr?.shard ?? 0);
    if ("banned" in plan) return plan;
    const elsewhere = Math.max(0, plan.members.total - plan.members.shard);
    this.#adopt(plan.epoch);
    if (empty && this.#hooks.live() === 0) this.#skipTo(plan.head);
    const frames = [...plan.replay.frames];
    let last = plan.replay.last ?? plan.replayAfter ?? plan.head;
    let more = plan.replay.more;
    let budget = maxBytes - plan.replay.bytes;
    // Deliveries may move on while we ask: read on until the replay reaches what was delivered, within
    // the same budget as the first page.
    while (plan.replayAfter !== null && !more && last < this.#order.delivered) {
      const page = await sequencer.replay(room, last, budget, frames.length === 0);
      if (page.frames.length === 0 && !page.more) break;
      frames.push(...page.frames);
      last = page.last ?? last;
      budget -= page.bytes;
      more = page.more;
    }
    const seq = this.#order.delivered;
    if (this.#order.noteHead(plan.head) !== null) void this.#catchUp();
    const base = { epoch: plan.epoch, seq, gap: plan.gap, elsewhere };
    if (plan.replayAfter === null) return { ...base, frames: [], more: false };
    // Retained seqs are consecutive and end at `last`: cut what this shard has not delivered yet.
    if (last > seq) frames.length = Math.max(0, frames.length - (last - seq));
    if (more && last < seq) return { ...base, frames, more: true, next: last + 1 };
    return { ...base, frames, more: false };
  }

  /** A push from the sequencer: deliver what is next in order, fetch what is missing. */
  async offer(push: Push): Promise<void> {
    this.#adopt(push.epoch);
    if (this.#hooks.live() === 0) {
      this.#skipTo(push.head);
      return;
    }
    this.#apply(push.messages);
    if (this.#order.noteHead(push.head) !== null) await this.#catchUp();
  }

  // ---- internals ----

  #room(): string {
    if (this.#addr === null) throw new Error("shard used before the worker or sequencer named it");
    return this.#addr.room;
  }

  #apply(messages: Committed[]): void {
    const before = this.#order.delivered;
    const { deliver } = this.#order.offer(messages.map((m) => ({ seq: m.seq, item: m })));
    if (deliver.length > 0) this.#hooks.deliver(deliver.map((d) => d.item));
    if (this.#order.delivered !== before) this.#set("delivered", String(this.#order.delivered));
  }

  #skipTo(seq: number): void {
    if (seq <= this.#order.delivered) return;
    this.#order.skipTo(seq);
    this.#set("delivered", String(seq));
  }

  /** A new epoch means the sequencer's history started over: our seqs mean nothing there. */
  #adopt(epoch: string): void {
    if (epoch === this.#epoch) return;
    const known = this.#epoch !== null;
    this.#epoch = epoch;
    this.#set("epoch", epoch);
    if (!known) return;
    if (this.#hooks.live() > 0) this.#hooks.lost(this.#room(), 0, this.#order.delivered);
    this.#order = new SeqOrder(0);
    this.#set("delivered", "0");
  }

  /** Fetches missing ranges until the order has no hole; one loop at a time. */
  async #catchUp(): Promise<void> {
    if (this.#catching) return;
    this.#catching = true;
    const room = this.#room();
    try {
      for (let round = 0; round < CATCH_UP_ROUNDS; round++) {
        const gap = this.#order.gap();
        if (gap === null) return;
        if (this.#hooks.live() === 0) return this.#skipTo(this.#order.head);
        const r = await this.#hooks.sequencer(room).range(room, gap.from - 1, gap.to - gap.from + 1);
        const first = r.messages[0]?.seq ?? r.head + 1;
        if (first > gap.from) {
          const lostTo = Math.min(first - 1, gap.to);
          this.#hooks.lost(room, gap.from, lostTo);
          this.#skipTo(lostTo);
        }
        this.#apply(r.messages);
      }
    } catch (err) {
      // The next push or join tries again.
      this.#hooks.log("warn", { event: "catch_up_failed", room, error: String(err) });
    } finally {
      this.#catching = false;
    }
  }

  #get(key: string): string | null {
    const rows = this.#sql
      .exec<{ value: string }>(`SELECT value FROM shard_meta WHERE key = ?`, key)
      .toArray();
    return rows[0]?.value ?? null;
  }

  #set(key: string, value: string): void {
    this.#sql.exec(
      `INSERT INTO shard_meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }
}
