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

const marks = (got: string[]) => got.filter((t) => t.startsWith('{"type":"mark"'));

/** Sends an end marker past the budget (straight on the socket) and waits for it: everything before it has arrived. */
let ends = 0;
async function flushed(server: WebSocket, got: string[]): Promise<string[]> {
  const end = `end-${++ends}`;
  server.send(end);
  const deadline = Date.now() + 2000;
  while (got.at(-1) !== end) {
    if (Date.now() > deadline) throw new Error("the end marker did not arrive");
    await scheduler.wait(1);
  }
  return got.filter((f) => !f.startsWith("end-"));
}

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
    // One mark, though three windows went out: the next waits for its answer.
    expect(marks(await flushed(server, got))).toEqual(['{"type":"mark","n":1}']);
    expect(state.mark?.[0]).toBe(1);

    expect(budget.answered(server, '{"type":"read","n":2}')).toBe(false);
    expect(budget.answered(server, '{"type":"read","n":1}')).toBe(true);
    // Still two windows unconfirmed: the next mark goes out at once.
    expect(marks(await flushed(server, got))).toEqual(['{"type":"mark","n":1}', '{"type":"mark","n":2}']);
    expect(budget.answered(server, '{"type":"read","n":1}')).toBe(false);

    for (let sent = 0; sent <= BUDGET; sent += chunk.length) trySend(server, chunk);
    await expect.poll(() => closed).toHaveLength(1);
    expect(closed[0]).toMatch(/too far behind: \d+ bytes sent and not read/);
    // Over the budget nothing more is sent.
    const before = (await flushed(server, got)).length;
    for (let i = 0; i < 3; i++) trySend(server, chunk);
    expect((await flushed(server, got)).length).toBe(before);
  });

  it("sends no mark and closes nothing when MAX_UNREAD_BYTES is 0", async ({ expect }) => {
    const { server, got, state } = pair();
    const closed: string[] = [];
    const budget = new SendBudget(0, (_ws, _s, reason) => closed.push(reason));
    budget.track(server, state);
    const chunk = "x".repeat(256 * 1024);
    for (let i = 0; i < 40; i++) trySend(server, chunk);
    const frames = await flushed(server, got);
    expect(frames).toHaveLength(40);
    expect(marks(frames)).toEqual([]);
    expect(closed).toEqual([]);
  });
});
