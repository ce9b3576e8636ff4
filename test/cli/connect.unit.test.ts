// How `roomcast connect` explains a first connection that never opened.
import { describe, expect, it } from "vitest";
import { neverOpened } from "../../src/cli/connect/connect-session.ts";
import { RoomcastError } from "../../src/client/types.ts";

const retry = { status: "reconnecting", attempt: 1, delayMs: 300, code: 1006, reason: "" } as const;

describe("neverOpened", () => {
  it("prefers the server's refusal, then the transport's error, then the close code", () => {
    const refused = new RoomcastError("unauthorized", "token signature does not match");
    const tls = Object.assign(new Error("self-signed certificate"), { code: "DEPTH_ZERO_SELF_SIGNED_CERT" });
    expect(neverOpened("https://h", retry, refused, tls)).toBe(
      "unauthorized: token signature does not match",
    );
    expect(neverOpened("https://h", retry, null, tls)).toBe(
      "cannot connect to https://h: self-signed certificate (use --insecure to accept a self-signed certificate)",
    );
    expect(neverOpened("http://h", { ...retry, reason: "handshake timed out" }, null, null)).toBe(
      "cannot connect to http://h (1006 handshake timed out)",
    );
  });
});
