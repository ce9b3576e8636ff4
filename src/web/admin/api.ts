// The admin page's HTTP calls (the live room directory, one room's info, kick), each answer parsed
// with valibot, every refusal or network failure turned into one AdminError the page can explain.
import * as v from "valibot";
import { errorMessage, readErrorBody } from "../../shared/errors.ts";
import type { KickResult, RoomEntry, RoomInfo, RoomsPage } from "../../shared/protocol.ts";

/** One live room as `GET /rooms` lists it (the contract's `RoomEntry`). */
export type DirectoryRoom = RoomEntry;

/** Rooms asked for per page; the page follows `next` for more. */
export const PAGE_LIMIT = 500;
/** The page lists at most this many rooms (narrow with a prefix for the rest). */
export const MAX_ROOMS = 1000;

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const DirectoryRoomSchema = v.object({
  room: v.string(),
  sockets: Count,
  users: Count,
  seq: Count,
  messagesLastMinute: Count,
  sharded: v.boolean(),
  lastActivity: v.number(),
  reportedAt: v.number(),
}) satisfies v.GenericSchema<unknown, DirectoryRoom>;
const DirectoryPage = v.object({
  rooms: v.array(DirectoryRoomSchema),
  next: v.nullable(v.string()),
}) satisfies v.GenericSchema<unknown, RoomsPage>;
const Member = v.object({
  id: v.string(),
  name: v.nullable(v.string()),
  connections: Count,
  state: v.optional(v.unknown(), null),
});
const RoomInfoSchema = v.object({
  room: v.string(),
  epoch: v.string(),
  seq: Count,
  connections: Count,
  members: v.array(Member),
  membersTotal: Count,
  history: v.object({ oldest: v.nullable(v.number()), newest: v.nullable(v.number()), count: Count }),
}) satisfies v.GenericSchema<unknown, RoomInfo>;
const KickSchema = v.object({ closed: Count }) satisfies v.GenericSchema<unknown, KickResult>;

/**
 * Why a call failed: `status` is the HTTP status (0 when the server could not be reached), `code` the
 * contract's error code (`network` without an answer, `bad_response` for an answer of another shape).
 */
export class AdminError extends Error {
  readonly code: string;
  readonly status: number;
  /** From `Retry-After`, when the server sent one. */
  readonly retryAfterMs: number | null;
  constructor(code: string, message: string, status: number, retryAfterMs: number | null = null) {
    super(message);
    this.name = "AdminError";
    this.code = code;
    this.status = status;
    this.retryAfterMs = retryAfterMs;
  }
}

/** The rooms listed, and whether more were left out (over MAX_ROOMS). */
export interface RoomList {
  rooms: DirectoryRoom[];
  truncated: boolean;
}

/** The worker's admin routes on this page's own origin, with one admin token. */
export class AdminApi {
  readonly #base: string;
  readonly #token: string;

  constructor(base: string, token: string) {
    this.#base = base.replace(/\/+$/, "");
    this.#token = token;
  }

  /** Every live room whose name starts with `prefix` (all pages, up to MAX_ROOMS), sorted by name. */
  async listRooms(prefix = ""): Promise<RoomList> {
    const rooms: DirectoryRoom[] = [];
    let after: string | null = null;
    do {
      const q = new URLSearchParams({ limit: String(PAGE_LIMIT) });
      if (after !== null) q.set("after", after);
      if (prefix !== "") q.set("prefix", prefix);
      const page = await this.#call(`/rooms?${q}`, DirectoryPage);
      rooms.push(...page.rooms);
      after = page.next;
    } while (after !== null && rooms.length < MAX_ROOMS);
    return { rooms: rooms.slice(0, MAX_ROOMS), truncated: after !== null || rooms.length > MAX_ROOMS };
  }

  /** `GET /rooms/:room`: members and counts. */
  roomInfo(room: string): Promise<RoomInfo> {
    return this.#call(`/rooms/${encodeURIComponent(room)}`, RoomInfoSchema);
  }

  /** `POST /rooms/:room/kick`: closes the user's sockets with 4403; `banSeconds` > 0 also bans. */
  kick(room: string, user: string, banSeconds: number): Promise<KickResult> {
    const body = JSON.stringify(banSeconds > 0 ? { user, banSeconds } : { user });
    return this.#call(`/rooms/${encodeURIComponent(room)}/kick`, KickSchema, body);
  }

  async #call<T>(path: string, schema: v.GenericSchema<unknown, T>, body?: string): Promise<T> {
    let res: Response;
    try {
      res = await fetch(`${this.#base}${path}`, {
        method: body === undefined ? "GET" : "POST",
        headers: {
          authorization: `Bearer ${this.#token}`,
          ...(body !== undefined ? { "content-type": "application/json" } : {}),
        },
        cache: "no-store",
        ...(body !== undefined ? { body } : {}),
      });
    } catch (err) {
      throw new AdminError("network", `the request failed (${errorMessage(err)})`, 0);
    }
    const json: unknown = await res.json().catch(() => null);
    if (!res.ok) {
      const e = readErrorBody(json);
      const retry = Number(res.headers.get("retry-after"));
      throw new AdminError(
        e?.code ?? `http_${res.status}`,
        e?.message ?? `${path.split("?")[0]} answered HTTP ${res.status}`,
        res.status,
        Number.isFinite(retry) && retry > 0 ? retry * 1000 : null,
      );
    }
    const parsed = v.safeParse(schema, json);
    if (!parsed.success) {
      throw new AdminError("bad_response", `unexpected answer from ${path.split("?")[0]}`, res.status);
    }
    return parsed.output;
  }
}
