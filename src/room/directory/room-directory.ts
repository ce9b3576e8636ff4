// The live room directory: one of DIRECTORY_OBJECTS Durable Objects, each holding the entries of the
// rooms that hash to it (server/directory.ts). Rooms report to it (fire-and-forget RPC); `GET /rooms`
// asks every object for a page and merges them.
//
// An entry lives TTL (7 × DIRECTORY_REPORT_SECONDS) after its last report on this object's clock; a
// report with no socket leaves a tombstone for a TTL, so a live report overtaken by the room's removal
// cannot bring the room back. Expired entries are never listed and are swept out as reports come.
//
// Entries live in memory only: they are a live view that every room refreshes within 6R, so storing
// them would buy little and cost a billed row write per report (at 100,000 live rooms, thousands per
// second). If a directory object restarts alone, its rooms reappear with their next report (at most 6R;
// after a deploy every room reconnects and reports at once).
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

/** An entry as held: what the room last reported, and when it expires on this object's clock. */
interface Held {
  entry: RoomEntry;
  expiresAt: number;
}

export class RoomDirectory extends DurableObject<RoomcastVars> {
  readonly #ttlMs: number;
  /** room → its entry or its tombstone (sockets 0), in memory only */
  readonly #rooms = new Map<string, Held>();
  /** when expired entries are next swept out (at most once per TTL) */
  #sweepAt = 0;

  constructor(ctx: DurableObjectState, env: RoomcastVars) {
    super(ctx, env);
    this.#ttlMs = directoryTiming(parseSettings(env).directoryReportSeconds).ttlMs;
  }

  /** A room's report: replaces its entry (and its TTL) unless a later report is already here. */
  report(e: RoomEntry): void {
    const now = Date.now();
    const held = this.#rooms.get(e.room);
    // A report overtaken on the way by a later one changes nothing (and refreshes nothing).
    if (held === undefined || e.reportedAt >= held.entry.reportedAt) {
      this.#rooms.set(e.room, { entry: { ...e }, expiresAt: now + this.#ttlMs });
    }
    this.#sweep(now);
  }

  /** Live rooms (sockets, not expired) in name order, at most `limit`, that the grants cover with admin. */
  list(q: DirectoryQuery): RoomEntry[] {
    const now = Date.now();
    this.#sweep(now);
    const after = q.after ?? "";
    const names: string[] = [];
    for (const [room, held] of this.#rooms) {
      if (room <= after || held.entry.sockets === 0 || held.expiresAt <= now) continue;
      if (q.prefix !== null && !room.startsWith(q.prefix)) continue;
      names.push(room);
    }
    names.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    const out: RoomEntry[] = [];
    for (const room of names) {
      if (!capabilitiesFor(q.grants, room).includes("admin")) continue;
      out.push({ ...(this.#rooms.get(room) as Held).entry });
      if (out.length >= q.limit) break;
    }
    return out;
  }

  /** @internal Sweeps now, then says how many entries and tombstones are held (tests). */
  held(): number {
    this.#sweepAt = 0;
    this.#sweep(Date.now());
    return this.#rooms.size;
  }

  /**
   * A directory object's earlier versions kept entries in SQLite and deleted expired rows by alarm;
   * an alarm they armed may still fire once. Nothing is stored any more: nothing to do.
   */
  override alarm(): void {}

  /** Drops expired entries and tombstones, at most once per TTL (they are never listed meanwhile). */
  #sweep(now: number): void {
    if (now < this.#sweepAt) return;
    this.#sweepAt = now + this.#ttlMs;
    for (const [room, held] of this.#rooms) if (held.expiresAt <= now) this.#rooms.delete(room);
  }
}
