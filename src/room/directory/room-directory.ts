// The live room directory: one of DIRECTORY_OBJECTS Durable Objects, each holding the entries of the
// rooms that hash to it (server/directory.ts). Rooms report to it (fire-and-forget RPC); `GET /rooms`
// asks every object for a page and merges them.
//
// An entry lives TTL (7 × DIRECTORY_REPORT_SECONDS) after its last report on this object's clock; a
// report with no socket leaves a tombstone for a TTL, so a live report overtaken by the room's removal
// cannot bring the room back. Expired rows are never listed and the alarm deletes them.
import { DurableObject } from "cloudflare:workers";
import { capabilitiesFor, type RoomGrants } from "../../server/capabilities.ts";
import { directoryTiming, type RoomEntry } from "../../server/directory.ts";
import { parseSettings, type RoomcastVars } from "../../server/settings.ts";

/** A page request to one directory object. */
export interface DirectoryQuery {
  /** only rooms whose name sorts after this one */
  after: string | null;
  /** only rooms whose name starts with this */
  prefix: string | null;
  limit: number;
  /** the asker's room grants: only rooms they hold `admin` on are listed */
  grants: RoomGrants;
}

type Row = {
  room: string;
  sockets: number;
  users: number;
  seq: number;
  minute: number;
  sharded: number;
  last_activity: number;
  reported_at: number;
};

export class RoomDirectory extends DurableObject<RoomcastVars> {
  readonly #sql: SqlStorage;
  readonly #ttlMs: number;
  /** the armed alarm (ms), null for none, undefined until read in this wake */
  #alarmAt: number | null | undefined;

  constructor(ctx: DurableObjectState, env: RoomcastVars) {
    super(ctx, env);
    this.#sql = ctx.storage.sql;
    this.#ttlMs = directoryTiming(parseSettings(env).directoryReportSeconds).ttlMs;
    this.#sql.exec(`CREATE TABLE IF NOT EXISTS rooms (
      room TEXT PRIMARY KEY, sockets INTEGER NOT NULL, users INTEGER NOT NULL, seq INTEGER NOT NULL,
      minute INTEGER NOT NULL, sharded INTEGER NOT NULL, last_activity INTEGER NOT NULL,
      reported_at INTEGER NOT NULL, expires_at INTEGER NOT NULL)`);
    this.#sql.exec(`CREATE INDEX IF NOT EXISTS rooms_expiry ON rooms (expires_at)`);
  }

  /** A room's report: replaces its entry unless a later report is already here; refreshes its TTL. */
  async report(e: RoomEntry): Promise<void> {
    const expires = Date.now() + this.#ttlMs;
    this.#sql.exec(
      `INSERT INTO rooms VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (room) DO UPDATE SET sockets = excluded.sockets, users = excluded.users,
         seq = excluded.seq, minute = excluded.minute, sharded = excluded.sharded,
         last_activity = excluded.last_activity, reported_at = excluded.reported_at,
         expires_at = excluded.expires_at
       WHERE excluded.reported_at >= rooms.reported_at`,
      e.room,
      e.sockets,
      e.users,
      e.seq,
      e.messagesLastMinute,
      e.sharded ? 1 : 0,
      e.lastActivity,
      e.reportedAt,
      expires,
    );
    if (this.#alarmAt === undefined) this.#alarmAt = await this.ctx.storage.getAlarm();
    if (this.#alarmAt === null) {
      this.#alarmAt = expires;
      await this.ctx.storage.setAlarm(expires);
    }
  }

  /** Live rooms (sockets, not expired) in name order, at most `limit`, that the grants cover with admin. */
  list(q: DirectoryQuery): RoomEntry[] {
    const now = Date.now();
    const rows = this.#sql.exec<Row>(
      `SELECT * FROM rooms WHERE room > ? AND sockets > 0 AND expires_at > ?
       AND (? IS NULL OR substr(room, 1, length(?)) = ?) ORDER BY room`,
      q.after ?? "",
      now,
      q.prefix,
      q.prefix,
      q.prefix,
    );
    const out: RoomEntry[] = [];
    for (const r of rows) {
      if (!capabilitiesFor(q.grants, r.room).includes("admin")) continue;
      out.push({
        room: r.room,
        sockets: r.sockets,
        users: r.users,
        seq: r.seq,
        messagesLastMinute: r.minute,
        sharded: r.sharded === 1,
        lastActivity: r.last_activity,
        reportedAt: r.reported_at,
      });
      if (out.length >= q.limit) break;
    }
    return out;
  }

  /** Deletes expired entries and tombstones; wakes again for the next expiry while rows remain. */
  override async alarm(): Promise<void> {
    const now = Date.now();
    this.#sql.exec(`DELETE FROM rooms WHERE expires_at <= ?`, now);
    const next = this.#sql.exec<{ at: number | null }>(`SELECT min(expires_at) AS at FROM rooms`).one().at;
    this.#alarmAt = next;
    if (next !== null) await this.ctx.storage.setAlarm(next);
  }

  /** @internal Rows stored, expired and tombstones included (for tests). */
  stored(): number {
    return this.#sql.exec<{ n: number }>(`SELECT count(*) AS n FROM rooms`).one().n;
  }
}
