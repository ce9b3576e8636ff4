// The room's durable state in SQLite: epoch, seq, and the retained messages with their idempotency keys.

export interface HistoryBounds {
  oldest: number | null;
  newest: number | null;
  count: number;
}

export interface Slice {
  frames: string[];
  /** UTF-8 bytes of `frames` */
  bytes: number;
  /** retained frames remain beyond this slice */
  more: boolean;
  /** stopped because the next frame did not fit in `maxBytes` */
  full: boolean;
  /** seq of the last frame in the slice */
  last: number | null;
}

/** Rows whose sizes are read at once; a page or replay reads further chunks only while under budget. */
const SIZE_CHUNK = 1000;

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
  readonly #storage: DurableObjectStorage;
  readonly #limit: number;
  readonly epoch: string;
  #seq: number;
  /**
   * @internal Test seam: called inside the append transaction between the INSERT and the seq update. A test
   * makes it throw to simulate a failed storage write (see `Room.faults`).
   */
  beforeCommit: (() => void) | null = null;

  constructor(storage: DurableObjectStorage, limit: number) {
    const sql = storage.sql;
    this.#sql = sql;
    this.#storage = storage;
    this.#limit = limit;
    sql.exec(`CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)`);
    sql.exec(`CREATE TABLE IF NOT EXISTS messages (
      seq INTEGER PRIMARY KEY, user_id TEXT NOT NULL, msg_id TEXT, frame TEXT NOT NULL)`);
    sql.exec(
      `CREATE UNIQUE INDEX IF NOT EXISTS messages_by_key ON messages (user_id, msg_id) WHERE msg_id IS NOT NULL`,
    );
    // Written only when missing: a wake-up must not cost a write (nor ever change the epoch).
    let epoch = this.#meta("epoch");
    if (epoch === null) {
      epoch = newEpoch();
      this.#setMeta("epoch", epoch);
    }
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

  /**
   * Stores message `seq` (which must be `this.seq + 1`) as `frame`, and trims to the history limit, in
   * one transaction with `also` (the owner's own rows): if any statement throws, nothing is written and
   * seq stays where it was.
   */
  append(seq: number, userId: string, msgId: string | undefined, frame: string, also?: () => void): void {
    if (seq !== this.#seq + 1) throw new Error(`append: seq ${seq} does not follow ${this.#seq}`);
    this.#storage.transactionSync(() => {
      if (this.#limit > 0) {
        this.#sql.exec(
          `INSERT INTO messages (seq, user_id, msg_id, frame) VALUES (?, ?, ?, ?)`,
          seq,
          userId,
          msgId ?? null,
          frame,
        );
      }
      also?.();
      this.beforeCommit?.();
      this.#setMeta("seq", String(seq));
      this.#sql.exec(`DELETE FROM messages WHERE seq <= ?`, seq - this.#limit);
    });
    this.#seq = seq;
  }

  /**
   * Retained frames after `after` (oldest first) or before `before` (newest first): at most `limit`
   * frames (and at most SIZE_CHUNK per call) and at most `maxBytes` of them, except that the first
   * frame is always taken when `atLeastOne`, so a page smaller than one frame still makes progress.
   * `more`: retained frames remain beyond the slice.
   *
   * Sizes are read first (a small query), then only the frames that fit: memory stays within the
   * budget plus one frame, whatever the history holds.
   */
  slice(
    from: { after: number } | { before: number },
    limit: number,
    maxBytes: number,
    atLeastOne = true,
  ): Slice {
    const asc = "after" in from;
    const sizes = this.#sql
      .exec<{ seq: number; bytes: number }>(
        `SELECT seq, length(CAST(frame AS BLOB)) AS bytes FROM messages
         WHERE seq ${asc ? ">" : "<"} ? ORDER BY seq ${asc ? "ASC" : "DESC"} LIMIT ?`,
        asc ? from.after : from.before,
        Math.min(limit, SIZE_CHUNK) + 1,
      )
      .toArray();
    let taken = 0;
    let bytes = 0;
    let full = false;
    for (const row of sizes) {
      if (taken >= limit) break;
      if (bytes + row.bytes > maxBytes && (taken > 0 || !atLeastOne)) {
        full = true;
        break;
      }
      bytes += row.bytes;
      taken++;
    }
    const more = taken < sizes.length;
    const firstRow = sizes[0];
    const lastRow = sizes[taken - 1];
    if (taken === 0 || !firstRow || !lastRow) return { frames: [], bytes: 0, more, full, last: null };
    const [lo, hi] = asc ? [firstRow.seq, lastRow.seq] : [lastRow.seq, firstRow.seq];
    const frames = this.#sql
      .exec<{ frame: string }>(
        `SELECT frame FROM messages WHERE seq >= ? AND seq <= ? ORDER BY seq ${asc ? "ASC" : "DESC"}`,
        lo,
        hi,
      )
      .toArray()
      .map((r) => r.frame);
    return { frames, bytes, more, full, last: lastRow.seq };
  }

  /** Up to `limit` retained messages with seq > since, oldest first, each with its seq. */
  entriesAfter(since: number, limit: number): { seq: number; frame: string }[] {
    return this.#sql
      .exec<{ seq: number; frame: string }>(
        `SELECT seq, frame FROM messages WHERE seq > ? ORDER BY seq LIMIT ?`,
        since,
        limit,
      )
      .toArray();
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
