// The room's durable state in SQLite: epoch, seq, and the retained messages with their idempotency keys.

export interface HistoryBounds {
  oldest: number | null;
  newest: number | null;
  count: number;
}

function newEpoch(): string {
  return crypto.randomUUID().replaceAll("-", "").slice(0, 12);
}

/**
 * Messages are stored as the exact frame text that was broadcast, so replay sends them unchanged.
 * All calls are synchronous SQLite; writes made in one event commit together, and the runtime holds
 * outgoing messages until they are durable (so acks and broadcasts never precede the write).
 */
export class History {
  readonly #sql: SqlStorage;
  readonly #limit: number;
  readonly epoch: string;
  #seq: number;

  constructor(sql: SqlStorage, limit: number) {
    this.#sql = sql;
    this.#limit = limit;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, msg_id TEXT, frame TEXT NOT NULL)`);
    sql.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS messages_by_key ON messages (user_id, msg_id) WHERE msg_id IS NOT NULL`,
    );
    const epoch = this.#meta("epoch") ?? newEpoch();
    this.#setMeta("epoch", epoch);
    this.epoch = epoch;
    this.#seq = Number(this.#meta("seq") ?? "0");
  }

  get seq(): number {
    return this.#seq;
  }

  /** The seq of a retained message this user already published with this id, or null. */
  findDuplicate(userId: string, msgId: string): number | null {
    const rows = this.#sql
      .exec<{ seq: number }>(`SELECT seq FROM messages WHERE user_id = ? AND msg_id = ?`, userId, msgId)
      .toArray();
    return rows[0]?.seq ?? null;
  }

  /** Stores the next message: `render(seq)` builds its frame text. Trims to the history limit. */
  append(
    userId: string,
    msgId: string | undefined,
    render: (seq: number) => string,
  ): { seq: number; frame: string } {
    const seq = this.#seq + 1;
    const frame = render(seq);
    if (this.#limit > 0) {
      this.#sql.exec(
        `INSERT INTO messages (seq, user_id, msg_id, frame) VALUES (?, ?, ?, ?)`,
        seq,
        userId,
        msgId ?? null,
        frame,
      );
    }
    this.#setMeta("seq", String(seq));
    this.#sql.exec(`DELETE FROM messages WHERE seq <= ?`, seq - this.#limit);
    this.#seq = seq;
    return { seq, frame };
  }

  /** Retained frames with seq > since, oldest first. */
  *framesAfter(since: number): Generator<string> {
    for (const row of this.#sql.exec<{ frame: string }>(
      `SELECT frame FROM messages WHERE seq > ? ORDER BY seq`,
      since,
    )) {
      yield row.frame;
    }
  }

  bounds(): HistoryBounds {
    const row = this.#sql
      .exec<{ oldest: number | null; newest: number | null; count: number }>(
        `SELECT MIN(seq) AS oldest, MAX(seq) AS newest, COUNT(*) AS count FROM messages`,
      )
      .one();
    return { oldest: row.oldest, newest: row.newest, count: row.count };
  }

  #meta(key: string): string | null {
    const rows = this.#sql.exec<{ value: string }>(`SELECT value FROM meta WHERE key = ?`, key).toArray();
    return rows[0]?.value ?? null;
  }

  #setMeta(key: string, value: string): void {
    this.#sql.exec(
      `INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
      key,
      value,
    );
  }
}
