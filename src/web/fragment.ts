// Where the page gets room and token: the URL fragment (#room=…&token=…), the join form, and this tab's sessionStorage.

/** What the page needs to join a room. */
export interface JoinParams {
  room: string;
  token: string;
}

/** Room and token as found in a URL fragment; either may be missing. */
export interface FragmentParams {
  room: string | null;
  token: string | null;
}

const TOKEN_KEY = "roomcast.token:";

/**
 * Parses `#token=<jwt>&room=<room>` (any order, URL-encoded). The fragment never reaches the
 * server, so the token stays out of request logs.
 */
export function parseFragment(hash: string): FragmentParams {
  const params = new URLSearchParams(hash.startsWith("#") ? hash.slice(1) : hash);
  const room = params.get("room")?.trim() || null;
  const token = params.get("token")?.trim() || null;
  return { room, token };
}

/** The fragment the page leaves in the address bar: the room only, never the token. */
export function roomFragment(room: string): string {
  return `#${new URLSearchParams({ room }).toString()}`;
}

/**
 * Decides what to join on load. A token in the fragment wins and is remembered for this tab
 * (sessionStorage) so a reload still works after the token is removed from the visible URL.
 */
export function resolveJoin(
  fragment: FragmentParams,
  storage: Pick<Storage, "getItem"> | null,
): JoinParams | null {
  if (!fragment.room) return null;
  const token = fragment.token ?? storage?.getItem(TOKEN_KEY + fragment.room) ?? null;
  return token ? { room: fragment.room, token } : null;
}

/** Remembers the token for this tab only (cleared when the tab closes). */
export function rememberToken(storage: Pick<Storage, "setItem"> | null, p: JoinParams): void {
  try {
    storage?.setItem(TOKEN_KEY + p.room, p.token);
  } catch {
    // Storage can be disabled (private mode, quotas): the page still works, reload just asks again.
  }
}

/** Forgets the token of a room (on leave, or after the server refused it). */
export function forgetToken(storage: Pick<Storage, "removeItem"> | null, room: string): void {
  try {
    storage?.removeItem(TOKEN_KEY + room);
  } catch {
    // See rememberToken.
  }
}

/** sessionStorage, or null where the browser denies it (sandboxed iframes throw on access). */
export function tabStorage(): Storage | null {
  try {
    return window.sessionStorage;
  } catch {
    return null;
  }
}
