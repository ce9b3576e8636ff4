// Unique names, so tests never share a room (or its Durable Object) with another test or an earlier run.

/** `<prefix>-<uuid>`: a room name of its own for one test (the prefix says which, in logs). */
export function uniqueRoom(prefix = "r"): string {
  return `${prefix}-${crypto.randomUUID()}`;
}
