// The send budget on a bare socket pair: marks once a window is unconfirmed, one outstanding at a time,
// a read answering only the outstanding mark, the close past the budget, and no marks at all when off.
import { describe, it } from "vitest";
import { markWindow, SendBudget } from "../../src/room/sockets/send-budget.ts";
import { trySend } from "../../src/room/sockets/socket-io.ts";
import type { SocketState } from "../../src/room/sockets/socket-state.ts";

const BUDGET = 8 * 1024 * 1024;

function pair() {
  const { 0: client, 1: server } = new WebSocketPair();
  server.accept();
  client.accept();
  const got: string[] = [];
  client.addEventListener("message", (e) => {
    if (typeof e.data === "string") got.push(e.data);
  });
  const state = { connectionId: "c1", userId: "u", name: null } as SocketState;
  return { client, server, got, state };
}

const settle = () => new Promise((r) => setTimeout(r, 20));
const marks = (got: string[]) => got.filter((t) => t.startsWith('{"type":"mark"'));

describe("SendBudget", () => {
  it("marks each window, waits for the answer before the next, and closes past the budget", async ({
    expect,
  }) => {
    const { server, got, state } = pair();
    const closed: string[] = [];
    const budget = new SendBudget(BUDGET, (_ws, _s, reason) => closed.push(reason));
    budget.track(server, state);
    const chunk = "x".repeat(64 * 1024);
    const window = markWindow(BUDGET);
    expect(window).toBe(1024 * 1024);
    for (let sent = 0; sent < 3 * window; sent += chunk.length) trySend(server, chunk);
    await settle();
    // One mark, though three windows went out: the next waits for its answer.
    expect(marks(got)).toEqual(['{"type":"mark","n":1}']);
    expect(state.mark?.[0]).toBe(1);

    expect(budget.answered(server, '{"type":"read","n":2}')).toBe(false);
    expect(budget.answered(server, '{"type":"read","n":1}')).toBe(true);
    // Still two windows unconfirmed: the next mark goes out at once.
    await settle();
    expect(marks(got)).toEqual(['{"type":"mark","n":1}', '{"type":"mark","n":2}']);
    expect(budget.answered(server, '{"type":"read","n":1}')).toBe(false);

    for (let sent = 0; sent <= BUDGET; sent += chunk.length) trySend(server, chunk);
    await settle();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toMatch(/too far behind: \d+ bytes sent and not read/);
    // Over the budget nothing more is sent.
    const before = got.length;
    for (let i = 0; i < 3; i++) trySend(server, chunk);
    await settle();
    expect(got.length).toBe(before);
  });

  it("sends no mark and closes nothing when MAX_UNREAD_BYTES is 0", async ({ expect }) => {
    const { server, got, state } = pair();
    const closed: string[] = [];
    const budget = new SendBudget(0, (_ws, _s, reason) => closed.push(reason));
    budget.track(server, state);
    const chunk = "x".repeat(256 * 1024);
    for (let i = 0; i < 40; i++) trySend(server, chunk);
    await settle();
    expect(got).toHaveLength(40);
    expect(marks(got)).toEqual([]);
    expect(closed).toEqual([]);
  });
});
