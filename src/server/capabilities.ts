// Resolves the token's `rooms` claim (room pattern → capabilities) for one room: the worker and the room.
import { CAPABILITIES, type Capability } from "../shared/protocol.ts";

/**
 * The `rooms` claim after validation: patterns to capabilities (array shorthand already expanded).
 * A Map, never a plain object, so `__proto__`, `constructor` or `prototype` are ordinary room keys.
 */
export type RoomGrants = ReadonlyMap<string, readonly Capability[]>;

/** True when `pattern` (exact name, prefix ending in `*`, or `*`) covers `room`. */
export function matches(pattern: string, room: string): boolean {
  if (pattern.endsWith("*")) return room.startsWith(pattern.slice(0, -1));
  return pattern === room;
}

/**
 * Union of the capabilities of every pattern that covers `room`; `admin` implies `read` and `write`.
 * Returned in the order read, write, admin.
 */
export function capabilitiesFor(grants: RoomGrants, room: string): Capability[] {
  const caps = new Set<Capability>();
  for (const [pattern, granted] of grants) {
    if (!matches(pattern, room)) continue;
    for (const c of granted) caps.add(c);
  }
  if (caps.has("admin")) {
    caps.add("read");
    caps.add("write");
  }
  return CAPABILITIES.filter((c) => caps.has(c));
}
