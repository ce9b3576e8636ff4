// URLs: http→ws, https→wss, the room path, the token and the resume point in the query.
import { describe, expect, it } from "vitest";
import { authCheckUrl, parseBaseUrl, socketUrl } from "../../src/client/connection/url.ts";
import { RoomcastError } from "../../src/client/types.ts";

describe("socketUrl", () => {
  it("maps http to ws and https to wss, keeping ws(s) as is", () => {
    expect(socketUrl(parseBaseUrl("http://127.0.0.1:8787"), "lobby", "t", null)).toBe(
      "ws://127.0.0.1:8787/rooms/lobby/ws?token=t&batch=1&v=2",
    );
    expect(socketUrl(parseBaseUrl("https://x.example"), "a.b-c_d", "t", null)).toBe(
      "wss://x.example/rooms/a.b-c_d/ws?token=t&batch=1&v=2",
    );
    expect(socketUrl(parseBaseUrl("wss://x.example/"), "r", "t", null)).toBe(
      "wss://x.example/rooms/r/ws?token=t&batch=1&v=2",
    );
  });

  it("keeps a path prefix and drops the base's own query", () => {
    expect(socketUrl(parseBaseUrl("https://x.example/api/?a=1#h"), "r", "t", null)).toBe(
      "wss://x.example/api/rooms/r/ws?token=t&batch=1&v=2",
    );
  });

  it("adds since and epoch when resuming, and escapes the token", () => {
    const url = new URL(socketUrl(parseBaseUrl("http://h"), "r", "a.b+c/=", { epoch: "ep 1", since: 42 }));
    expect(url.searchParams.get("token")).toBe("a.b+c/=");
    expect(url.searchParams.get("since")).toBe("42");
    expect(url.searchParams.get("epoch")).toBe("ep 1");
  });

  it("always asks for coalesced delivery (batch=1), also when resuming or rewinding", () => {
    const resumed = new URL(socketUrl(parseBaseUrl("http://h"), "r", "t", { epoch: "E", since: 1 }));
    const rewound = new URL(socketUrl(parseBaseUrl("http://h"), "r", "t", null, 5));
    expect(resumed.searchParams.get("batch")).toBe("1");
    expect(rewound.searchParams.get("batch")).toBe("1");
  });

  it("always asks for protocol version 2 (synced inside a welcome that replays nothing)", () => {
    const fresh = new URL(socketUrl(parseBaseUrl("http://h"), "r", "t", null));
    const resumed = new URL(socketUrl(parseBaseUrl("http://h"), "r", "t", { epoch: "E", since: 1 }));
    expect(fresh.searchParams.get("v")).toBe("2");
    expect(resumed.searchParams.get("v")).toBe("2");
  });

  it("rejects other schemes early", () => {
    expect(() => parseBaseUrl("ftp://x")).toThrow(RoomcastError);
    expect(() => parseBaseUrl("not a url")).toThrow(RoomcastError);
  });
});

describe("authCheckUrl", () => {
  it("is http(s) even for a ws(s) base, with the room in the query", () => {
    expect(authCheckUrl(parseBaseUrl("wss://x.example/api"), "lobby")).toBe(
      "https://x.example/api/auth/check?room=lobby",
    );
    expect(authCheckUrl(parseBaseUrl("http://127.0.0.1:1"), "r")).toBe(
      "http://127.0.0.1:1/auth/check?room=r",
    );
  });
});
