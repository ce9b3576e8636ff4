// connect() throws at once for programming errors only; everything else becomes states and events.
import { afterEach, describe, expect, it, vi } from "vitest";
import { connect, RoomcastError } from "../../src/client/index.ts";
import { socketFactory } from "./support/fake-socket.ts";

afterEach(() => {
  vi.unstubAllGlobals();
});

describe("connect()", () => {
  const base = { url: "http://h", room: "lobby", token: "t", createWebSocket: socketFactory().create };

  it("rejects an invalid room name with bad_room, before opening any socket", () => {
    const sockets = socketFactory();
    expect(() => connect({ ...base, room: "no spaces", createWebSocket: sockets.create })).toThrow(
      new RoomcastError("bad_room", "invalid room name: no spaces"),
    );
    expect(sockets.sockets).toEqual([]);
  });

  it("rejects a bad url, since without epoch, and negative backoff", () => {
    expect(() => connect({ ...base, url: "nope" })).toThrow(TypeError);
    expect(() => connect({ ...base, since: 3 })).toThrow(/both `since` and `epoch`/);
    expect(() => connect({ ...base, backoff: { capMs: -1 } })).toThrow(RangeError);
  });

  it("needs a WebSocket: the global one or createWebSocket", () => {
    vi.stubGlobal("WebSocket", undefined);
    expect(() => connect({ url: "http://h", room: "lobby", token: "t" })).toThrow(/createWebSocket/);
    const c = connect(base);
    expect(c.state).toEqual({ status: "connecting", attempt: 0 });
    c.close();
  });
});
