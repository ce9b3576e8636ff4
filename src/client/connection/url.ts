// URLs the client talks to: the room's WebSocket endpoint and the `/auth/check` diagnosis endpoint.
import { SYNCED_IN_WELCOME } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

/** Where a resumed connection starts: the room's epoch and the last seq the app has seen. */
export interface ResumePoint {
  epoch: string;
  since: number;
}

/** Parses the base URL once, so a typo fails in `connect()` instead of on every retry. */
export function parseBaseUrl(base: string): URL {
  let url: URL;
  try {
    url = new URL(base);
  } catch (err) {
    throw new RoomcastError("bad_options", `roomcast url is not a URL: ${base}`, { cause: err });
  }
  if (!["http:", "https:", "ws:", "wss:"].includes(url.protocol)) {
    throw new RoomcastError(
      "bad_options",
      `roomcast url must be http(s):// or ws(s)://, got ${url.protocol}`,
    );
  }
  return url;
}

function withPath(base: URL, path: string): URL {
  const url = new URL(base.href);
  // Keep a path prefix of the base (a worker mounted under /api) and never double the slash.
  url.pathname = url.pathname.replace(/\/+$/, "") + path;
  url.search = "";
  url.hash = "";
  return url;
}

/**
 * `ws(s)://host/rooms/<room>/ws?token=…&batch=1&v=2[&since=…&epoch=…|&rewind=…]`. The token goes in the
 * query string because browsers cannot set headers on a WebSocket. `batch=1` asks for coalesced
 * delivery (several messages in one `batch` frame), which the client unpacks; `v=2` for the welcome
 * that carries `synced` when nothing is replayed. `rewind` (recent messages to replay) is
 * only sent without a resume point: a client that has one must resume exactly from it.
 */
export function socketUrl(
  base: URL,
  room: string,
  token: string,
  resume: ResumePoint | null,
  rewind = 0,
): string {
  const url = withPath(base, `/rooms/${encodeURIComponent(room)}/ws`);
  if (url.protocol === "http:") url.protocol = "ws:";
  if (url.protocol === "https:") url.protocol = "wss:";
  url.searchParams.set("token", token);
  url.searchParams.set("batch", "1");
  url.searchParams.set("v", SYNCED_IN_WELCOME);
  if (resume) {
    url.searchParams.set("since", String(resume.since));
    url.searchParams.set("epoch", resume.epoch);
  } else if (rewind > 0) {
    url.searchParams.set("rewind", String(rewind));
  }
  return url.href;
}

/** `http(s)://host/auth/check?room=<room>`; the token travels in the Authorization header. */
export function authCheckUrl(base: URL, room: string): string {
  const url = withPath(base, "/auth/check");
  if (url.protocol === "ws:") url.protocol = "http:";
  if (url.protocol === "wss:") url.protocol = "https:";
  url.searchParams.set("room", room);
  return url.href;
}
