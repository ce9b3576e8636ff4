// The sequencer's own tables beside its message log: each retained message's publisher connection
// (origins), and each shard's last reported user count.
import type { Committed } from "./wire.ts";

/**
 * The publisher's connection of each retained message, written in the message's own transaction, so a
 * shard that fetches a range still gives that connection the ack only, never the message.
 */
export class Origins {
  readonly #sql: SqlStorage;
  readonly #limit: number;

  constructor(sql: SqlStorage, historyLimit: number) {
    this.#sql = sql;
    this.#limit = historyLimit;
    sql.exec(`CREATE TABLE IF NOT EXISTS origins (seq INTEGER PRIMARY KEY, origin TEXT NOT NULL)`);
  }

  /** Inside message `seq`'s append transaction: its origin, and the trim that follows history's. */
  write(seq: number, origin: string | null): void {
    if (origin !== null) this.#sql.exec(`INSERT INTO origins (seq, origin) VALUES (?, ?)`, seq, origin);
    this.#sql.exec(`DELETE FROM origins WHERE seq <= ?`, seq - this.#limit);
  }

  /** Stored messages (consecutive seqs after `after`) with their origins. */
  attach(after: number, entries: { seq: number; frame: string }[]): Committed[] {
    const origins = new Map<number, string>();
    const last = entries.at(-1)?.seq;
    if (last !== undefined) {
      const rows = this.#sql.exec<{ seq: number; origin: string }>(
        `SELECT seq, origin FROM origins WHERE seq > ? AND seq <= ?`,
        after,
        last,
      );
      for (const row of rows) origins.set(row.seq, row.origin);
    }
    return entries.map((e) => ({ ...e, origin: origins.get(e.seq) ?? null }));
  }
}

/** Each shard's distinct users as last reported (each user lives on one shard, so they add up). */
export class ShardCounts {
  readonly #sql: SqlStorage;
  readonly #counts = new Map<number, number>();

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS shard_counts (shard INTEGER PRIMARY KEY, users INTEGER NOT NULL)`);
    for (const row of sql.exec<{ shard: number; users: number }>(`SELECT * FROM shard_counts`)) {
      this.#counts.set(row.shard, row.users);
    }
  }

  set(shard: number, users: number): void {
    this.#counts.set(shard, users);
    this.#sql.exec(
      `INSERT INTO shard_counts (shard, users) VALUES (?, ?) ON CONFLICT (shard) DO UPDATE SET users = excluded.users`,
      shard,
      users,
    );
  }

  of(shard: number): number {
    return this.#counts.get(shard) ?? 0;
  }

  total(): number {
    let n = 0;
    for (const c of this.#counts.values()) n += c;
    return n;
  }
}

/** The room this sequencer serves: named by every call, stored once, so a restart can reach its shards. */
export class RoomName {
  readonly #sql: SqlStorage;
  #room: string | null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(`CREATE TABLE IF NOT EXISTS sequencer_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    const rows = sql.exec<{ value: string }>(`SELECT value FROM sequencer_meta WHERE key = 'room'`).toArray();
    this.#room = rows[0]?.value ?? null;
  }

  get value(): string | null {
    return this.#room;
  }

  remember(room: string): void {
    if (this.#room === room) return;
    this.#room = room;
    this.#sql.exec(
      `INSERT INTO sequencer_meta (key, value) VALUES ('room', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      room,
    );
  }
}
