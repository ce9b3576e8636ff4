// The connect path's kept serialisations against the plain builds they replace: the welcome's member
// list (SocketIndex.membersJson against members()) and a flush's tail diff texts (against a plainly
// built net diff), over random operations. A difference here is a welcome or a diff frame that lies.
import fc from "fast-check";
import { describe, it } from "vitest";
import { type Change, diffText } from "../../src/room/presence/presence-diff.ts";
import { storeOnSockets } from "../../src/room/presence/user-state.ts";
import { limitsJson, welcomeText } from "../../src/room/sockets/admission.ts";
import { SocketIndex } from "../../src/room/sockets/socket-index.ts";
import { parseSettings } from "../../src/server/settings.ts";
import type { PresenceDiffFrame, UserRef } from "../../src/shared/protocol.ts";
import { socketState } from "../helpers/socket-state.ts";
import { fuzz } from "../worker/fuzz/fuzz.ts";

/** Named with a quote, to be escaped in the JSON (and one user with no name at all). */
const state = (userId: string) =>
  socketState(userId, { room: "r", name: userId === "u0" ? null : `N"${userId}` });

type Op =
  | { op: "add"; user: number }
  | { op: "remove"; pick: number }
  | { op: "state"; user: number; value: unknown };

const ops: fc.Arbitrary<Op[]> = fc.array(
  fc.oneof(
    { weight: 5, arbitrary: fc.record({ op: fc.constant("add" as const), user: fc.nat(12) }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant("remove" as const), pick: fc.nat(50) }) },
    {
      weight: 1,
      arbitrary: fc.record({
        op: fc.constant("state" as const),
        user: fc.nat(12),
        value: fc.oneof(fc.constant(null), fc.string({ maxLength: 40_000 }), fc.integer()),
      }),
    },
  ),
  { maxLength: 60 },
);

/** The net change per user, built the plain way (a map of first and last event): the oracle. */
function plainDiffText(changes: readonly Change[], members: number): string | null {
  const byUser = new Map<string, { first: Change; last: Change }>();
  for (const c of changes) {
    const seen = byUser.get(c.user.id);
    if (seen) seen.last = c;
    else byUser.set(c.user.id, { first: c, last: c });
  }
  const joins: UserRef[] = [];
  const leaves: UserRef[] = [];
  for (const { first, last } of byUser.values()) {
    if (first.event !== last.event) continue; // back where it started
    (last.event === "join" ? joins : leaves).push(last.user);
  }
  if (joins.length === 0 && leaves.length === 0) return null;
  const frame: PresenceDiffFrame = { type: "presence", event: "diff", joins, leaves, members };
  return JSON.stringify(frame);
}

describe("kept serialisations on the connect path", () => {
  it("the kept member list is always the member list, whatever joins, leaves and states came before", async ({
    expect,
  }) => {
    await fuzz(
      "membersJson",
      300,
      fc.tuple(ops, fc.integer({ min: 0, max: 8 })),
      async ([steps, limit]) => {
        const ix = new SocketIndex();
        const open: [WebSocket, string][] = [];
        for (const step of steps) {
          if (step.op === "add") {
            const ws = { serializeAttachment() {} } as unknown as WebSocket;
            const id = `u${step.user}`;
            const st = state(id);
            const peer = ix.peerOf(id); // as the host copies a user's state to their new socket
            if (peer?.presence !== undefined) st.presence = peer.presence;
            ix.add(ws, st);
            open.push([ws, id]);
          } else if (step.op === "remove" && open.length > 0) {
            const [ws, id] = open.splice(step.pick % open.length, 1)[0] as [WebSocket, string];
            ix.remove(ws, id);
          } else if (step.op === "state") {
            const chars = JSON.stringify(step.value).length;
            storeOnSockets(ix, `u${step.user}`, step.value, chars);
          }
          // Asked after every step, as each connect's welcome does.
          expect(JSON.parse(ix.membersJson(limit))).toEqual(ix.members(limit));
        }
      },
      20,
    );
  });

  it("each tail's diff text is the plainly built net diff of that tail", async ({ expect }) => {
    const changes: fc.Arbitrary<Change[]> = fc
      .array(fc.tuple(fc.nat(6), fc.boolean()), { minLength: 1, maxLength: 40 })
      .map((xs) =>
        xs.map(([u, join], i) => ({
          v: i + 1,
          event: join ? ("join" as const) : ("leave" as const),
          user: { id: `u${u}`, name: u % 2 ? null : `Ü "${u}"` },
        })),
      );
    await fuzz(
      "diffText tails",
      300,
      changes,
      async (cs) => {
        for (let from = 0; from < cs.length; from++) {
          expect(diffText(cs, 7, from)).toBe(plainDiffText(cs.slice(from), 7));
        }
      },
      20,
    );
  });

  it("the welcome text is the welcome frame, field for field", ({ expect }) => {
    const settings = parseSettings({});
    const ix = new SocketIndex();
    const st = state("ann");
    ix.add({} as WebSocket, st);
    const who = { room: "lobby", id: "ann", name: 'A "quoted" name', capabilities: [], exp: 1 };
    const room = { epoch: "e1", seq: 12, membersJson: ix.membersJson(10), membersTotal: 3 };
    const synced = { seq: 12, gap: false, replayed: 0, more: false };
    const limits = {
      maxMessageBytes: settings.maxMessageBytes,
      idleTimeoutSeconds: settings.idleTimeoutSeconds,
      ratePerSecond: settings.ratePerSecond,
    };
    const expected = {
      type: "welcome",
      room: "lobby",
      epoch: "e1",
      seq: 12,
      connectionId: st.connectionId,
      user: { id: "ann", name: 'A "quoted" name' },
      members: [{ id: "ann", name: 'N"ann', connections: 1, state: null }],
      membersTotal: 3,
      limits,
    };
    const text = welcomeText(who, st, room, limitsJson(settings));
    expect(JSON.parse(text)).toEqual(expected);
    // Same keys in the same order as a plain JSON.stringify of the frame.
    expect(text).toBe(JSON.stringify(expected));
    expect(welcomeText(who, st, room, limitsJson(settings), synced)).toBe(
      JSON.stringify({ ...expected, synced }),
    );
  });
});
