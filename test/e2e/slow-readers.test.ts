// Black-box: a client that stops reading its TCP socket (and answers no `mark`) is closed 4413 once
// MAX_UNREAD_BYTES wait for it, while a reader in the same room gets every message and stays.
import type { Socket } from "node:net";
import { describe, it } from "vitest";
import { CloseCode } from "../../src/shared/protocol.ts";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { request } from "./support/http.ts";
import { join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";

// The smallest budget the room accepts for a 64 KiB replay (MAX_REPLAY_BYTES + 1 MiB).
const BUDGET = 65_536 + 1_048_576;
const server = useDevServer({
  vars: { MAX_REPLAY_BYTES: "65536", MAX_UNREAD_BYTES: String(BUDGET), MAX_MESSAGE_BYTES: "65536" },
});

describe("a reader that stops reading", () => {
  it("is closed 4413 past MAX_UNREAD_BYTES; the room and its readers go on", async ({ expect }) => {
    const room = uniqueRoom();
    const rw = { [room]: ["read", "write"] };
    const reader = await join(server.url, room, { token: await tokenFor("rita", rw), label: "reader" });
    const stuck = await join(server.url, room, {
      token: await tokenFor("sam", rw),
      label: "stuck",
      reads: false,
    });
    // Stop reading the TCP stream: what the room sends now piles up in buffers on the way.
    const tcp = (stuck.sock.ws as unknown as { _socket: Socket })._socket;
    tcp.pause();

    const admin = await tokenFor("ops", { [room]: ["admin"] });
    const count = Math.ceil(BUDGET / 60_000) + 5;
    const body = JSON.stringify({ data: "y".repeat(60_000) });
    for (let i = 0; i < count; i++) {
      const res = await request(`${server.url}/rooms/${room}/messages`, {
        method: "POST",
        token: admin,
        headers: { "content-type": "application/json" },
        body,
      });
      expect(res.status).toBe(201);
    }
    for (let i = 0; i < count; i++) await reader.sock.next("message", 10_000);

    // The room let go of the stuck socket: one connection left.
    await expect
      .poll(
        async () =>
          ((await request(`${server.url}/rooms/${room}`, { token: admin })).body as { connections: number })
            .connections,
        { timeout: 10_000, interval: 200 },
      )
      .toBe(1);
    // Once it reads again, the frames sent before the close, then the close itself.
    tcp.resume();
    const closed = await stuck.sock.closed(15_000);
    expect(closed.code).toBe(CloseCode.TOO_FAR_BEHIND);
    expect(stuck.sock.drain().some((r) => r.kind === "json" && r.type === "mark")).toBe(true);

    reader.sock.sendRaw(JSON.stringify({ type: "publish", data: "after", id: "a1" }));
    expect(await reader.sock.next("ack")).toMatchObject({ id: "a1" });
    await reader.sock.shutdown();
  });
});
