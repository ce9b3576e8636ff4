// Server URL parsing: ws(s):// or http(s):// (or a bare host:port) → the worker's http(s) base URL.
import { UsageError } from "./errors.ts";

/** Where the worker lives, and the room named in the URL's path, if it had one. */
export interface Endpoint {
  /** http:// or https:// origin plus any path prefix, without a trailing slash. */
  base: string;
  /** Room taken from a pasted `/rooms/<room>` or `/rooms/<room>/ws` path. */
  room?: string;
}

const SCHEMES: Record<string, string> = {
  "ws:": "http:",
  "wss:": "https:",
  "http:": "http:",
  "https:": "https:",
};

/**
 * Accepts `ws://`, `wss://`, `http://`, `https://` URLs and bare `host:port` (taken as http). A path
 * ending in `/rooms/<room>` or `/rooms/<room>/ws` (as pasted from a browser or wscat) names the room.
 */
export function parseServerUrl(input: string): Endpoint {
  const text = input.includes("://") ? input : `http://${input}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`bad URL "${input}": use ws://, wss://, http:// or https://host[:port]`);
  }
  const scheme = SCHEMES[url.protocol];
  if (!scheme) throw new UsageError(`bad URL "${input}": use ws://, wss://, http:// or https://`);
  if (url.search) throw new UsageError(`bad URL "${input}": no query string (use --token, --since, --epoch)`);
  if (url.username || url.password)
    throw new UsageError(`bad URL "${input}": no user:password@ (use --token)`);
  let path = url.pathname.replace(/\/+$/, "");
  let room: string | undefined;
  const m = /^(.*)\/rooms\/([^/]+)(?:\/ws)?$/.exec(path);
  if (m) {
    path = m[1] ?? "";
    room = decodeURIComponent(m[2] ?? "");
  }
  const base = `${scheme}//${url.host}${path}`;
  return room === undefined ? { base } : { base, room };
}
