// The member list, kept up to date from presence frames between welcomes (which are authoritative).
import type { Member, PresenceDiffFrame, PresenceFrame } from "../../shared/protocol.ts";

/**
 * A coalesced `diff` as the join/leave frames it stands for (leaves first, then joins), each with the
 * member count after it, the last one's being the diff's.
 */
export function expandDiff(diff: PresenceDiffFrame): PresenceFrame[] {
  let members = diff.members + diff.leaves.length - diff.joins.length;
  const out: PresenceFrame[] = [];
  for (const user of diff.leaves) out.push({ type: "presence", event: "leave", user, members: --members });
  for (const user of diff.joins) out.push({ type: "presence", event: "join", user, members: ++members });
  return out;
}

/**
 * A new list after a presence event: join adds the user (or counts one more connection), leave removes,
 * update replaces the user's state.
 */
export function applyPresence(members: readonly Member[], frame: PresenceFrame): Member[] {
  // Above the room's presence limit only the number is sent: the list stays as the welcome gave it.
  if (frame.event === "count") return [...members];
  const { user } = frame;
  if (frame.event === "leave") return members.filter((m) => m.id !== user.id);
  const known = members.some((m) => m.id === user.id);
  if (frame.event === "update") {
    const state = frame.state;
    if (!known) return [...members, { id: user.id, name: user.name, connections: 1, state }];
    return members.map((m) => (m.id === user.id ? { ...m, name: user.name, state } : m));
  }
  if (!known) return [...members, { id: user.id, name: user.name, connections: 1, state: null }];
  return members.map((m) =>
    m.id === user.id ? { ...m, name: user.name, connections: m.connections + 1 } : m,
  );
}
