// The member list, kept up to date from presence frames between welcomes (which are authoritative).
import type { Member, PresenceFrame } from "../shared/protocol.ts";

/** A new list after a presence event: join adds the user (or counts one more connection), leave removes. */
export function applyPresence(members: readonly Member[], frame: PresenceFrame): Member[] {
  const { user } = frame;
  if (frame.event === "leave") return members.filter((m) => m.id !== user.id);
  const known = members.some((m) => m.id === user.id);
  if (!known) return [...members, { id: user.id, name: user.name, connections: 1 }];
  return members.map((m) =>
    m.id === user.id ? { ...m, name: user.name, connections: m.connections + 1 } : m,
  );
}
