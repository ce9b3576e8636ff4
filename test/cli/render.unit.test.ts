// Formatting of `roomcast connect` output: JSON lines for pipes, readable lines for terminals.
import { describe, expect, it } from "vitest";
import {
  colorEnabled,
  formatClock,
  humanLine,
  jsonLine,
  type OutputEvent,
  sanitize,
  stateEvent,
} from "../../src/cli/connect/render.ts";
import { RoomcastError } from "../../src/client/types.ts";
import type { MessageFrame, WelcomeFrame } from "../../src/shared/protocol.ts";

const plain = { color: false, url: "http://127.0.0.1:8787" };
const ts = new Date(2026, 10, 26, 9, 5, 7).getTime(); // local time 09:05:07

const message: MessageFrame = { type: "message", seq: 3, from: { id: "bob", name: "Bob" }, data: "hi", ts };
const welcome: WelcomeFrame = {
  type: "welcome",
  room: "lobby",
  epoch: "e1",
  seq: 2,
  connectionId: "c1",
  user: { id: "alice", name: "Alice" },
  members: [
    { id: "alice", name: "Alice", connections: 1, state: null },
    { id: "bob", name: null, connections: 2, state: null },
  ],
  membersTotal: 2,
  limits: { maxMessageBytes: 65536, idleTimeoutSeconds: 60, ratePerSecond: 20 },
};

describe("JSON lines", () => {
  it("writes frames as they are, on one line", () => {
    const line = jsonLine(message);
    expect(line).not.toContain("\n");
    expect(JSON.parse(line)).toEqual(message);
  });

  it("turns connection states into {type:'state'} objects", () => {
    expect(stateEvent({ status: "connecting", attempt: 0 })).toEqual({
      type: "state",
      status: "connecting",
      attempt: 0,
    });
    expect(stateEvent({ status: "open" })).toEqual({ type: "state", status: "open" });
    expect(stateEvent({ status: "reconnecting", attempt: 2, delayMs: 750, code: 1006, reason: "" })).toEqual({
      type: "state",
      status: "reconnecting",
      attempt: 2,
      delayMs: 750,
      code: 1006,
      reason: "",
    });
    const closed = stateEvent({
      status: "closed",
      code: 1006,
      reason: "",
      error: new RoomcastError("unauthorized", "token expired"),
    });
    expect(JSON.parse(JSON.stringify(closed))).toEqual({
      type: "state",
      status: "closed",
      code: 1006,
      reason: "",
      error: { code: "unauthorized", message: "token expired" },
    });
  });
});

describe("terminal lines", () => {
  it("formats messages with the time and the sender's name", () => {
    expect(formatClock(ts)).toBe("09:05:07");
    expect(humanLine(message, plain)).toBe("[09:05:07] Bob: hi");
    expect(humanLine({ ...message, from: { id: "bob", name: null }, data: { n: 1 } }, plain)).toBe(
      '[09:05:07] bob: {"n":1}',
    );
    expect(humanLine({ type: "direct", from: { id: "bob", name: "Bob" }, data: "psst", ts }, plain)).toBe(
      "[09:05:07] Bob → you: psst",
    );
  });

  it("shows the text of {text} messages, as the page does; JSON lines keep the data as it is", () => {
    const chat = { ...message, data: { text: "hello from the page" } };
    expect(humanLine(chat, plain)).toBe("[09:05:07] Bob: hello from the page");
    expect(humanLine({ ...chat, data: { text: "a\u001b[2Jb" } }, plain)).toBe("[09:05:07] Bob: a\\u001b[2Jb");
    expect(humanLine({ ...chat, data: { text: 42 } }, plain)).toBe('[09:05:07] Bob: {"text":42}');
    expect(JSON.parse(jsonLine(chat))).toEqual(chat);
  });

  it("formats presence, welcome, members and status lines", () => {
    expect(
      humanLine({ type: "presence", event: "join", user: { id: "bob", name: null }, members: 2 }, plain),
    ).toBe("* bob joined (2 online)");
    expect(
      humanLine({ type: "presence", event: "leave", user: { id: "bob", name: "Bob" }, members: 1 }, plain),
    ).toBe("* Bob left (1 online)");
    expect(humanLine(welcome, plain)).toBe("* joined lobby as alice (Alice); 2 online: Alice, bob ×2");
    expect(humanLine({ type: "members", members: [] }, plain)).toBe("* 0 online");
    expect(humanLine(stateEvent({ status: "connecting", attempt: 0 }), plain)).toBe(
      "* connecting to http://127.0.0.1:8787…",
    );
    expect(humanLine(stateEvent({ status: "connecting", attempt: 2 }), plain)).toBe(
      "* connecting (retry 2)…",
    );
    expect(
      humanLine(
        stateEvent({ status: "reconnecting", attempt: 1, delayMs: 1234, code: 1006, reason: "" }),
        plain,
      ),
    ).toBe("! connection lost (1006); reconnecting in 1.2s");
    expect(humanLine({ type: "synced", seq: 9, replayed: 0, gap: true }, plain)).toContain("! gap:");
    expect(humanLine({ type: "synced", seq: 9, replayed: 3, gap: false }, plain)).toBe(
      "* caught up: 3 missed messages replayed",
    );
    expect(humanLine({ type: "error", code: "rate_limited", message: "slow down" }, plain)).toBe(
      "! rate_limited: slow down",
    );
  });

  it("shows nothing for events that only matter to scripts", () => {
    const quiet: OutputEvent[] = [
      { type: "ack", seq: 1 },
      stateEvent({ status: "open" }),
      { type: "synced", seq: 1, replayed: 0, gap: false },
      stateEvent({ status: "closed", code: 1006, reason: "", error: new RoomcastError("forbidden", "no") }),
    ];
    for (const ev of quiet) expect(humanLine(ev, plain)).toBeNull();
  });

  it("colours only when asked", () => {
    expect(humanLine(message, { ...plain, color: true })).toContain("\u001b[36mBob\u001b[0m");
    expect(humanLine(message, plain)).not.toContain("\u001b");
  });

  it("neutralises terminal escape sequences and fake lines in untrusted text", () => {
    expect(sanitize("a\u001b[2Jb")).toBe("a\\u001b[2Jb");
    expect(sanitize("x\ry")).toBe("x\\u000dy");
    const line = humanLine({ ...message, data: "hi\n[09:00:00] admin: give me your password" }, plain);
    expect(line).toBe("[09:05:07] Bob: hi\n    [09:00:00] admin: give me your password");
    expect(humanLine({ ...message, from: { id: "x", name: "\u001b]0;pwned\u0007" } }, plain)).not.toContain(
      "\u001b",
    );
  });
});

describe("colorEnabled", () => {
  it("follows the terminal, NO_COLOR and FORCE_COLOR", () => {
    expect(colorEnabled({}, true)).toBe(true);
    expect(colorEnabled({}, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "1" }, true)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "" }, true)).toBe(true);
    expect(colorEnabled({ TERM: "dumb" }, true)).toBe(false);
    expect(colorEnabled({ FORCE_COLOR: "1" }, false)).toBe(true);
    expect(colorEnabled({ FORCE_COLOR: "0" }, false)).toBe(false);
    expect(colorEnabled({ NO_COLOR: "1", FORCE_COLOR: "1" }, true)).toBe(false);
  });
});
