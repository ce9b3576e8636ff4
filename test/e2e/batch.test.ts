// Black-box: coalesced delivery (`?batch=1`) against `wrangler dev`: live commits and replay arrive as
// `batch` frames holding exactly the messages a plain socket gets one by one; the client library
// (which opts in) unpacks them into the same `message` events.
import { describe, it } from "vitest";
import { connect } from "../../src/client/index.ts";
import type { MessageFrame } from "../../src/shared/protocol.ts";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";
import type { TestSocket } from "./support/ws-client.ts";

const server = useDevServer({ vars: { RATE_PER_SECOND: "1000" } });

const N = 60;

/** Reads frames until `n` messages arrived; returns them and the frame types that carried them. */
async function messages(sock: TestSocket, n: number): Promise<{ list: MessageFrame[]; frames: string[][] }> {
  const list: MessageFrame[] = [];
  const frames: string[][] = [];
  while (list.length < n) {
    const r = await sock.nextAny();
    if (r.kind !== "json") continue;
    if (r.type === "message") {
      list.push(r.value as unknown as MessageFrame);
      frames.push(["message"]);
    } else if (r.type === "batch") {
      const batch = (r.value as { messages: MessageFrame[] }).messages;
      list.push(...batch);
      frames.push(batch.map(() => "batch"));
    }
  }
  return { list, frames };
}

describe("batch=1", () => {
  it("live: the same messages in the same order as a plain socket, several per frame; replay: batched too", async ({
    expect,
  }) => {
    const room = uniqueRoom("batch");
    const token = (user: string) => tokenFor(user, { [room]: ["read", "write"] });
    const plain = await join(server.url, room, { token: await token("pat"), label: "plain" });
    const batched = await join(server.url, room, {
      token: await token("bea"),
      label: "batched",
      query: { batch: "1" },
    });
    const pub = await join(server.url, room, { token: await token("pub"), label: "publisher" });
    // All in one go: the first publish commits alone, the ones that arrive during its flush together.
    for (let i = 1; i <= N; i++) pub.sock.send({ type: "publish", data: { i }, id: `m${i}` });

    const alone = await messages(plain.sock, N);
    const live = await messages(batched.sock, N);
    expect(alone.frames.every((f) => f.length === 1 && f[0] === "message")).toBe(true);
    expect(live.list).toEqual(alone.list);
    expect(live.list.map((m) => m.seq)).toEqual(Array.from({ length: N }, (_, i) => i + 1));
    const batches = live.frames.filter((f) => f[0] === "batch");
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.every((b) => b.length >= 2)).toBe(true);

    // Resume from the start: the replay comes as batch frames, and synced counts messages.
    const resumed = await join(server.url, room, {
      token: await token("bea"),
      label: "resumed",
      since: 0,
      epoch: batched.welcome.epoch,
      query: { batch: "1" },
      ping: false,
    });
    expect(resumed.synced).toEqual({ type: "synced", seq: N, replayed: N, gap: false, more: false });
    // join() awaited welcome and synced; the replay sits queued between them.
    const replayed = resumed.sock.drain().filter((r) => r.kind === "json");
    expect(replayed.map((r) => (r.kind === "json" ? r.type : ""))).toEqual(["batch"]);
    const first = replayed[0];
    expect(first?.kind === "json" ? first.value.messages : null).toEqual(alone.list);

    for (const j of [plain, batched, pub, resumed]) await j.sock.shutdown();
  });

  it("the client library opts in and delivers each message once, replayed or live", async ({ expect }) => {
    const room = uniqueRoom("batch-lib");
    const pub = await join(server.url, room, { token: await tokenFor("pub", { [room]: ["read", "write"] }) });
    for (let i = 1; i <= 10; i++) pub.sock.send({ type: "publish", data: { i }, id: `m${i}` });
    for (let i = 1; i <= 10; i++) await pub.sock.next("ack");
    const urls: string[] = [];
    const client = connect({
      url: server.url,
      room,
      token: await tokenFor("lib", { [room]: ["read"] }),
      rewind: 10,
      createWebSocket: (url) => {
        urls.push(url);
        return new WebSocket(url);
      },
    });
    const seen: number[] = [];
    const all = new Promise<void>((resolve) =>
      client.on("message", (m) => {
        seen.push(m.seq);
        if (seen.length === 20) resolve();
      }),
    );
    await client.ready();
    for (let i = 11; i <= 20; i++) pub.sock.send({ type: "publish", data: { i }, id: `m${i}` });
    await all;
    expect(new URL(urls[0] ?? "").searchParams.get("batch")).toBe("1");
    expect(seen).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    client.close();
    await pub.sock.shutdown();
  });
});
