// Slow readers on both kinds of room: the room counts what it sends each socket, asks with a `mark`
// once a window (an eighth of MAX_UNREAD_BYTES, 1,114,112 here) is unconfirmed, and closes 4413 a socket
// that leaves more than the budget unconfirmed. A client that answers marks is never closed for it.
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { describe, it } from "vitest";
import type { SocketObject } from "../../../src/room/sockets/socket-object.ts";
import type { RoomcastVars } from "../../../src/server/settings.ts";
import { CloseCode } from "../../../src/shared/protocol.ts";
import { call, join, type TestSocket, token } from "../../helpers/runtime.ts";
import { KINDS, nextOf } from "./kinds.ts";

const BUDGET = 1_114_112;
const WINDOW = Math.floor(BUDGET / 8);
/** A published message's frame, about. */
const SIZE = 3950;
const BODY = JSON.stringify({ data: "x".repeat(3900) });

async function publishHttp(room: string, count: number): Promise<void> {
  const admin = `Bearer ${await token({ sub: "ops", rooms: { "*": ["admin", "read", "write"] } })}`;
  for (let i = 0; i < count; i++) {
    const res = await call(`/rooms/${room}/messages`, {
      method: "POST",
      headers: { Authorization: admin, "Content-Type": "application/json" },
      body: BODY,
    });
    if (res.status !== 201) throw new Error(`publish ${i}: ${res.status} ${await res.text()}`);
  }
}

/** Consumes frames until `count` messages arrived (a reading socket answers its marks on the way). */
async function drain(s: TestSocket, count: number): Promise<number> {
  let messages = 0;
  while (messages < count) if ((await s.next(5000)).type === "message") messages++;
  return messages;
}

describe.each(KINDS)("$kind room: slow readers", (k) => {
  it("closes 4413 a socket that answers no mark past MAX_UNREAD_BYTES; a reader stays", async ({
    expect,
  }) => {
    const room = k.room();
    const reader = await join(room, { token: await token({ sub: "rita" }) });
    const stuck = await join(room, { token: await token({ sub: "sam" }), reads: false });
    const messages = Math.ceil(BUDGET / SIZE) + 10;
    const reading = drain(reader.socket, messages);
    await publishHttp(room, messages);
    expect(await reading).toBe(messages);

    const closed = await stuck.socket.waitClose(5000);
    expect(closed.code).toBe(CloseCode.TOO_FAR_BEHIND);
    expect(closed.reason).toMatch(/too far behind/);
    // It was asked: marks reached it (unanswered) before the close.
    expect(stuck.socket.pending().filter((f) => f.type === "mark").length).toBeGreaterThan(0);
    // The reader answered its marks and is still in the room.
    reader.socket.send({ type: "publish", data: "still here", id: "p1" });
    await expect.poll(() => reader.socket.pending().some((f) => f.type === "ack")).toBe(true);
    reader.socket.close();
  });

  it("answers a read that matches no outstanding mark with bad_message", async ({ expect }) => {
    const room = k.room();
    const { socket } = await join(room, { token: await token({ sub: "rita" }) });
    socket.send({ type: "read", n: 7 });
    expect(await nextOf(socket, "error")).toMatchObject({
      code: "bad_message",
      message: expect.stringMatching(/no mark 7/),
    });
    socket.send({ type: "read", n: "7" });
    expect(await nextOf(socket, "error")).toMatchObject({ code: "bad_message" });
    socket.close();
  });

  it("keeps an unanswered mark in the attachment, so a woken room goes on counting", async ({ expect }) => {
    const room = k.room();
    const stuck = await join(room, { token: await token({ sub: "sam" }), reads: false });
    // A window's worth, then some: one mark goes out and stays unanswered.
    await publishHttp(room, Math.ceil(WINDOW / SIZE) + 2);
    await expect.poll(() => stuck.socket.pending().some((f) => f.type === "mark")).toBe(true);
    const host = k.host(room, "sam");
    const owed = await runInDurableObject(host, (o: SocketObject<RoomcastVars>) => {
      const ws = o.liveSockets()[0]?.[0];
      const attached = ws?.deserializeAttachment() as { mark?: [number, number] } | undefined;
      return attached?.mark?.[1] ?? 0;
    });
    expect(owed).toBeGreaterThanOrEqual(WINDOW);

    await evictDurableObject(host);
    // Counted from zero after the wake, this would stay under the budget; from what the attachment says
    // it owed (plus a window for what the eviction forgot), it goes over.
    const more = Math.ceil((BUDGET - owed - WINDOW) / SIZE) + 2;
    expect(more * SIZE).toBeLessThan(BUDGET);
    await publishHttp(room, more);
    expect((await stuck.socket.waitClose(5000)).code).toBe(CloseCode.TOO_FAR_BEHIND);
  });
});
