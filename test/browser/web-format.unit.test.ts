// Pure parts of the page: fragment parsing, token memory, message bodies and error wording.
import { describe, expect, it } from "vitest";
import { RoomcastError } from "../../src/client/types.ts";
import {
  displayName,
  explainClose,
  initials,
  messageBody,
  publishFailure,
  statusText,
} from "../../src/web/format.ts";
import {
  forgetToken,
  parseFragment,
  rememberToken,
  resolveJoin,
  roomFragment,
} from "../../src/web/fragment.ts";

function memoryStorage(): Pick<Storage, "getItem" | "setItem" | "removeItem"> {
  const m = new Map<string, string>();
  return {
    getItem: (k) => m.get(k) ?? null,
    setItem: (k, v) => void m.set(k, v),
    removeItem: (k) => void m.delete(k),
  };
}

describe("fragment", () => {
  it("reads room and token in any order, URL-decoded", () => {
    expect(parseFragment("#token=a.b.c&room=lobby")).toEqual({ room: "lobby", token: "a.b.c" });
    expect(parseFragment("#room=team%2Done")).toEqual({ room: "team-one", token: null });
    expect(parseFragment("")).toEqual({ room: null, token: null });
    expect(parseFragment("#room=&token=")).toEqual({ room: null, token: null });
  });

  it("leaves only the room in the address bar", () => {
    expect(roomFragment("lobby")).toBe("#room=lobby");
  });

  it("joins from the fragment, else from the token remembered for that room", () => {
    const s = memoryStorage();
    expect(resolveJoin({ room: "lobby", token: null }, s)).toBeNull();
    rememberToken(s, { room: "lobby", token: "t1" });
    expect(resolveJoin({ room: "lobby", token: null }, s)).toEqual({ room: "lobby", token: "t1" });
    expect(resolveJoin({ room: "lobby", token: "t2" }, s)).toEqual({ room: "lobby", token: "t2" });
    expect(resolveJoin({ room: "other", token: null }, s)).toBeNull();
    expect(resolveJoin({ room: null, token: "t2" }, s)).toBeNull();
    forgetToken(s, "lobby");
    expect(resolveJoin({ room: "lobby", token: null }, s)).toBeNull();
  });
});

describe("format", () => {
  it("names users by display name, else id", () => {
    expect(displayName({ id: "u1", name: "Ann Lee" })).toBe("Ann Lee");
    expect(displayName({ id: "u1", name: null })).toBe("u1");
    expect(initials({ id: "x", name: "Ann Lee" })).toBe("AL");
    expect(initials({ id: "bob", name: null })).toBe("B");
  });

  it("shows text, strings, and other JSON as raw", () => {
    expect(messageBody({ text: "<b>hi</b>" })).toEqual({ text: "<b>hi</b>", raw: false });
    expect(messageBody("plain")).toEqual({ text: "plain", raw: false });
    expect(messageBody({ n: 1 })).toEqual({ text: '{"n":1}', raw: true });
    expect(messageBody(null)).toEqual({ text: "null", raw: true });
  });

  it("explains refused publishes with their code", () => {
    expect(publishFailure(new RoomcastError("queue_full", "full"))).toBe(
      "Not sent: too many messages waiting to be sent (queue_full)",
    );
    expect(publishFailure(new RoomcastError("timeout", "late"))).toBe(
      "Not sent: the server did not confirm in time (timeout)",
    );
    expect(publishFailure("weird")).toBe("Not sent: unknown error (error)");
  });

  it("names the cause of a refused connection", () => {
    const closed = (error?: RoomcastError, code = 1006) =>
      explainClose({ status: "closed", code, reason: "", ...(error ? { error } : {}) }, "lobby");
    expect(closed(new RoomcastError("unauthorized", "token expired")).title).toBe(
      "Token expired or invalid (unauthorized)",
    );
    expect(closed(new RoomcastError("forbidden", "no read")).title).toBe(
      "Not allowed in room 'lobby' (forbidden)",
    );
    expect(closed(new RoomcastError("forbidden", "no read")).detail).toBe("no read");
    expect(closed(new RoomcastError("bad_room", "bad")).title).toBe("Invalid room name 'lobby' (bad_room)");
    expect(closed(new RoomcastError("network", "gave up")).title).toBe("Disconnected (1006)");
    expect(closed(undefined, 4429).title).toBe("Disconnected for sending too fast (4429)");
  });

  it("counts down to the next reconnect attempt", () => {
    const state = { status: "reconnecting", attempt: 2, delayMs: 3000, code: 1006, reason: "" } as const;
    expect(statusText(state, 10_000, 7_000)).toBe("Reconnecting in 3s");
    expect(statusText(state, 10_000, 9_100)).toBe("Reconnecting in 1s");
    expect(statusText(state, 10_000, 10_000)).toBe("Reconnecting…");
    expect(
      statusText(
        { status: "closed", code: 1006, reason: "", error: new RoomcastError("forbidden", "x") },
        0,
        0,
      ),
    ).toBe("Closed: forbidden");
    expect(statusText({ status: "open" }, 0, 0)).toBe("Connected");
  });
});
