// `GET /rooms/:room/messages` parameters: validated here, answered by the room.

import type { HistoryQuery } from "../server/room-rpc.ts";
import { DEFAULT_HISTORY_PAGE, MAX_HISTORY_PAGE } from "../shared/protocol.ts";
import { HttpError } from "./http-error.ts";

const SEQ = /^\d{1,15}$/;

/** `after` | `before` (not both), `limit` 1–1,000 (default 100), `epoch`: 400 bad_request otherwise. */
export function historyQuery(query: Record<string, string>): HistoryQuery {
  const { after, before, limit, epoch } = query;
  if (after !== undefined && before !== undefined) {
    throw new HttpError(400, "bad_request", "give after or before, not both");
  }
  for (const [key, value] of [
    ["after", after],
    ["before", before],
  ] as const) {
    if (value !== undefined && !SEQ.test(value)) {
      throw new HttpError(400, "bad_request", `${key} must be a non-negative integer`);
    }
  }
  let n = DEFAULT_HISTORY_PAGE;
  if (limit !== undefined) {
    n = Number(limit);
    if (!/^\d{1,4}$/.test(limit) || n < 1 || n > MAX_HISTORY_PAGE) {
      throw new HttpError(400, "bad_request", `limit must be an integer from 1 to ${MAX_HISTORY_PAGE}`);
    }
  }
  if (epoch !== undefined && (epoch === "" || epoch.length > 64)) {
    throw new HttpError(400, "bad_request", "epoch must be the room's epoch string");
  }
  const where =
    after !== undefined ? { after: Number(after) } : before !== undefined ? { before: Number(before) } : {};
  return { ...where, limit: n, ...(epoch !== undefined ? { epoch } : {}) };
}
