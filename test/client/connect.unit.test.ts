// connect() throws at once for programming errors only; everything else becomes states and events.
import { afterEach, describe, expect, it, vi } from "vitest";
import { type ConnectOptions, connect, RoomcastError } from "../../src/client/index.ts";
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

  it("rejects a bad url, since without epoch, bad rewind and negative backoff with bad_options", () => {
    const misuse = (o: Partial<ConnectOptions>): unknown => {
      try {
        connect({ ...base, ...o });
      } catch (err) {
        return err;
      }
      return null;
    };
    for (const o of [
      { url: "nope" },
      { url: "ftp://x" },
      { since: 3 },
      { rewind: -1 },
      { backoff: { capMs: -1 } },
    ]) {
      const err = misuse(o);
      expect(err, JSON.stringify(o)).toBeInstanceOf(RoomcastError);
      expect(err).toMatchObject({ code: "bad_options" });
    }
    expect(misuse({ since: 3 })).toMatchObject({
      message: expect.stringMatching(/both `since` and `epoch`/),
    });
    expect(misuse({ url: "nope" })).toMatchObject({ cause: expect.any(TypeError) });
  });

  it("needs a WebSocket: the global one or createWebSocket", () => {
    vi.stubGlobal("WebSocket", undefined);
    expect(() => connect({ url: "http://h", room: "lobby", token: "t" })).toThrow(
      new RoomcastError(
        "bad_options",
        "roomcast: no global WebSocket here; pass createWebSocket (e.g. one built on `ws`)",
      ),
    );
    const c = connect(base);
    expect(c.state).toEqual({ status: "connecting", attempt: 0 });
    c.close();
  });
});

describe("RoomcastError", () => {
  it("takes closeCode, id and cause in one options bag, and sets only those given", () => {
    const cause = new Error("socket gone");
    const e = new RoomcastError("closed", "the client closed", { closeCode: 1000, id: "p1", cause });
    expect(e).toMatchObject({ name: "RoomcastError", code: "closed", closeCode: 1000, id: "p1", cause });
    const bare = new RoomcastError("timeout", "late");
    expect(["closeCode", "id", "cause"].filter((k) => k in bare)).toEqual([]);
  });
});
