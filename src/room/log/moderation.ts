// Kicks and bans: bans live in the room's SQLite storage, so they outlast evictions and restarts.

export interface Ban {
  /** ms since the epoch */
  until: number;
  reason: string | null;
}

const encoder = new TextEncoder();

/** A WebSocket close reason must fit in 123 UTF-8 bytes; cut on a character boundary. */
export function closeReason(text: string): string {
  if (encoder.encode(text).byteLength <= 123) return text;
  let out = "";
  let bytes = 0;
  for (const ch of text) {
    const n = encoder.encode(ch).byteLength;
    if (bytes + n > 120) break;
    out += ch;
    bytes += n;
  }
  return `${out}…`;
}

/** The close reason a kicked user sees. */
export function kickReason(reason: string | undefined, banSeconds: number): string {
  if (reason) return closeReason(reason);
  return banSeconds > 0 ? "banned from this room" : "removed from this room";
}

/** The message of `403 banned`. */
export function bannedMessage(user: string, room: string, ban: Ban): string {
  const until = new Date(ban.until).toISOString();
  return `user '${user}' is banned from room '${room}' until ${until}${ban.reason ? `: ${ban.reason}` : ""}`;
}

export class Bans {
  readonly #sql: SqlStorage;
  /** Rows in the table, or null when unknown: a room with no bans answers `active` without a query. */
  #rows: number | null = null;

  constructor(sql: SqlStorage) {
    this.#sql = sql;
    sql.exec(
      `CREATE TABLE IF NOT EXISTS bans (user_id TEXT PRIMARY KEY, until INTEGER NOT NULL, reason TEXT)`,
    );
  }

  /** Bans a user until `until` (ms), replacing any earlier ban. */
  ban(user: string, until: number, reason: string | null): void {
    this.#sql.exec(
      `INSERT INTO bans (user_id, until, reason) VALUES (?, ?, ?)
       ON CONFLICT (user_id) DO UPDATE SET until = excluded.until, reason = excluded.reason`,
      user,
      until,
      reason,
    );
    this.#rows = null;
  }

  /** The user's ban if it still lasts at `now`; an expired one is deleted. */
  active(user: string, now: number): Ban | null {
    this.#rows ??= this.#sql.exec<{ n: number }>(`SELECT COUNT(*) AS n FROM bans`).one().n;
    if (this.#rows === 0) return null;
    const row = this.#sql
      .exec<{ until: number; reason: string | null }>(
        `SELECT until, reason FROM bans WHERE user_id = ?`,
        user,
      )
      .toArray()[0];
    if (row === undefined) return null;
    if (row.until <= now) {
      this.#sql.exec(`DELETE FROM bans WHERE user_id = ?`, user);
      this.#rows = null;
      return null;
    }
    return { until: row.until, reason: row.reason };
  }
}
