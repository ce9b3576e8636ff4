// `GET /rooms`: the live room directory, paged. Every directory object is asked for the page after
// `after` and the pages are merged by name; a token lists only the rooms its `admin` patterns cover.
import type { RoomDirectory } from "../room/directory/room-directory.ts";
import { DIRECTORY_OBJECTS, directoryObject } from "../server/directory.ts";
import { ROOM_NAME, type RoomsPage } from "../shared/protocol.ts";
import { gateAny } from "./auth/gate.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";

export const DEFAULT_ROOMS_PAGE = 100;
export const MAX_ROOMS_PAGE = 500;
const PREFIX = /^[A-Za-z0-9._-]{1,64}$/;

interface RoomsQuery {
  limit: number;
  after: string | null;
  prefix: string | null;
}

/** `limit` 1–500 (default 100), `after` a room name, `prefix` the start of one: 400 bad_request otherwise. */
export function roomsQuery(q: Record<string, string>): RoomsQuery {
  let limit = DEFAULT_ROOMS_PAGE;
  if (q.limit !== undefined) {
    limit = Number(q.limit);
    if (!/^\d{1,3}$/.test(q.limit) || limit < 1 || limit > MAX_ROOMS_PAGE) {
      throw new HttpError(400, "bad_request", `limit must be an integer from 1 to ${MAX_ROOMS_PAGE}`);
    }
  }
  if (q.after !== undefined && !ROOM_NAME.test(q.after)) {
    throw new HttpError(
      400,
      "bad_request",
      `after must be a room name (${ROOM_NAME.source}): the previous page's next`,
    );
  }
  if (q.prefix !== undefined && !PREFIX.test(q.prefix)) {
    throw new HttpError(400, "bad_request", `prefix must be 1-64 characters of A-Z a-z 0-9 . _ -`);
  }
  return { limit, after: q.after ?? null, prefix: q.prefix ?? null };
}

/** The route handler; mounted on `GET /rooms`. */
export async function listRooms(c: AppContext): Promise<Response> {
  const a = await gateAny(c, "admin");
  const query = roomsQuery(c.req.query());
  const ns = (c.env as { DIRECTORY?: DurableObjectNamespace<RoomDirectory> }).DIRECTORY;
  if (typeof ns?.getByName !== "function") {
    throw new HttpError(
      500,
      "misconfigured",
      'no Durable Object binding "DIRECTORY": add [[durable_objects.bindings]] name = "DIRECTORY", class_name = "RoomDirectory" to wrangler.toml',
    );
  }
  // One more than the page from each object: if the union has more, there is a next page.
  const ask = { ...query, limit: query.limit + 1, grants: a.token.rooms };
  const pages = await Promise.all(
    Array.from({ length: DIRECTORY_OBJECTS }, (_, k) => ns.getByName(directoryObject(k)).list(ask)),
  );
  const all = pages.flat().sort((x, y) => (x.room < y.room ? -1 : x.room > y.room ? 1 : 0));
  const rooms = all.slice(0, query.limit);
  const body: RoomsPage = { rooms, next: all.length > query.limit ? (rooms.at(-1)?.room ?? null) : null };
  return c.json(body);
}
