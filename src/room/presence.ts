// Members of the room, counted per user across connections. Pure over the sockets' states.
import type { Member } from "../shared/protocol.ts";
import type { SocketState } from "./socket-state.ts";

export function membersOf(states: Iterable<SocketState>): Member[] {
  const byId = new Map<string, Member>();
  for (const s of states) {
    const m = byId.get(s.uid);
    if (m) m.connections++;
    else byId.set(s.uid, { id: s.uid, name: s.name, connections: 1, state: s.presence ?? null });
  }
  return [...byId.values()];
}
