// Real Node sockets: `ws` and Node 22's global WebSocket both work as the client's factory (tsc checks the types).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { WebSocketServer, WebSocket as WsWebSocket } from "ws";
import { connect } from "../../src/client/index.ts";
import type { WebSocketFactory } from "../../src/client/types.ts";
import { welcome } from "./support/fake-socket.ts";
import { waitFor } from "./support/wait.ts";

/** A scripted stand-in for the room on a free loopback port: welcome, synced, acks, binary echo, 4429 on demand. */
let server: WebSocketServer;
let base = "";
const urls: string[] = [];

beforeAll(async () => {
  server = new WebSocketServer({ host: "127.0.0.1", port: 0 });
  await new Promise<void>((resolve) => server.once("listening", resolve));
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("expected a TCP address");
  base = `http://127.0.0.1:${address.port}`;
  server.on("connection", (socket, req) => {
    urls.push(req.url ?? "");
    socket.send(JSON.stringify(welcome({ epoch: "E", seq: 3 })));
    socket.send(JSON.stringify({ type: "synced", seq: 3, replayed: 0, gap: false }));
    socket.on("message", (data, isBinary) => {
      if (isBinary) return socket.send(data, { binary: true });
      const text = data.toString();
      if (text === "ping") return socket.send("pong");
      const frame: unknown = JSON.parse(text);
      if (typeof frame !== "object" || frame === null || !("id" in frame) || !("data" in frame)) return;
      if (frame.data === "flood") return socket.close(4429, "flooding");
      socket.send(JSON.stringify({ type: "ack", id: frame.id, seq: 4 }));
    });
  });
});

afterAll(async () => {
  for (const c of server.clients) c.terminate();
  await new Promise<void>((resolve, reject) => server.close((err) => (err ? reject(err) : resolve())));
});

const factories: [string, WebSocketFactory][] = [
  ["ws", (u) => new WsWebSocket(u, { rejectUnauthorized: false })],
  ["global WebSocket", (u) => new WebSocket(u)],
];

describe.each(factories)("with %s", (_, createWebSocket) => {
  it("syncs, publishes, receives binary as ArrayBuffer, and honours 4429", async () => {
    const c = connect({ url: base, room: "lobby", token: "t.o.k", createWebSocket });
    await c.ready();
    expect(urls.at(-1)).toBe("/rooms/lobby/ws?token=t.o.k&batch=1&v=2");
    expect(await c.publish({ hello: 1 })).toBe(4);
    const echoed = waitFor(c, "binary", () => true, "binary echo");
    c.sendBinary(new Uint8Array([1, 2, 3]));
    const buf = await echoed;
    expect(buf).toBeInstanceOf(ArrayBuffer);
    expect([...new Uint8Array(buf)]).toEqual([1, 2, 3]);
    const closed = waitFor(c, "state", (s) => s.status === "closed", "closed after 4429");
    await expect(c.publish("flood")).rejects.toMatchObject({ code: "closed" });
    expect(await closed).toMatchObject({ status: "closed", code: 4429, error: { code: "rate_limited" } });
  });
});
