// HTTP history (`GET /rooms/:room/messages`): scroll-back pages, and the catch-up after a `synced`
// with `more` (the replay budget left messages for HTTP).

import { readErrorBody } from "../../shared/errors.ts";
import type { HistoryPage } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

export interface HistoryQuery {
  after?: number;
  before?: number;
  limit?: number;
  epoch?: string;
}

/** `http(s)://host/rooms/<room>/messages?…` (a ws(s) base becomes http(s)). */
export function historyUrl(base: URL, room: string, q: HistoryQuery): string {
  const url = new URL(base.href);
  url.pathname = `${url.pathname.replace(/\/+$/, "")}/rooms/${encodeURIComponent(room)}/messages`;
  url.search = "";
  url.hash = "";
  if (url.protocol === "ws:") url.protocol = "http:";
  if (url.protocol === "wss:") url.protocol = "https:";
  for (const [k, v] of Object.entries(q)) if (v !== undefined) url.searchParams.set(k, String(v));
  return url.href;
}

/** Fetches one page; a refusal becomes a RoomcastError with the server's code and message. */
export async function fetchHistory(fetchFn: typeof fetch, url: string, token: string): Promise<HistoryPage> {
  let res: Response;
  try {
    res = await fetchFn(url, { headers: { Authorization: `Bearer ${token}` } });
  } catch (err) {
    throw new RoomcastError("network", `history request failed: ${String(err)}`, { cause: err });
  }
  const body: unknown = await res.json().catch(() => null);
  if (res.status === 200 && typeof body === "object" && body !== null && "messages" in body) {
    return body as HistoryPage;
  }
  const e = readErrorBody(body);
  throw new RoomcastError(
    "network",
    `history request answered ${res.status}${e ? ` ${e.code}: ${e.message}` : ""}`,
  );
}
