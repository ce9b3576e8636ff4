// The contract's input rules and error-body reader, as the worker, the CLI and the client use them.
import { describe, it } from "vitest";
import { isHttpErrorCode, readErrorBody } from "../../src/shared/errors.ts";
import {
  isMessageId,
  isRewind,
  isRoomName,
  isRoomPattern,
  isUserId,
  parseRewind,
} from "../../src/shared/rules.ts";

describe("rules", () => {
  it("room names and token room patterns", ({ expect }) => {
    expect(isRoomName("lobby-1.a_b")).toBe(true);
    expect(isRoomName("")).toBe(false);
    expect(isRoomName("no spaces")).toBe(false);
    expect(isRoomName("x".repeat(65))).toBe(false);
    expect(["*", "team-*", "lobby"].map(isRoomPattern)).toEqual([true, true, true]);
    expect(["a*b", "**", "lob by", `${"x".repeat(65)}*`].map(isRoomPattern)).toEqual([
      false,
      false,
      false,
      false,
    ]);
  });

  it("user ids and message ids are 1-64 characters", ({ expect }) => {
    expect([isUserId(""), isUserId("a"), isUserId("a".repeat(64)), isUserId("a".repeat(65))]).toEqual([
      false,
      true,
      true,
      false,
    ]);
    expect([isMessageId(""), isMessageId("x".repeat(64)), isMessageId("x".repeat(65))]).toEqual([
      false,
      true,
      false,
    ]);
  });

  it("rewind: an integer from 0 to 1,000,000, as a number or as text", ({ expect }) => {
    expect([isRewind(0), isRewind(1_000_000), isRewind(1_000_001), isRewind(-1), isRewind(1.5)]).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
    expect(["0", "50", "1000000"].map(parseRewind)).toEqual([0, 50, 1_000_000]);
    expect(["", "-1", "1.5", "1000001", "9999999", "abc", "1e3"].map(parseRewind)).toEqual(
      Array(7).fill(null),
    );
  });
});

describe("error bodies", () => {
  it("reads the contract's shape and nothing else", ({ expect }) => {
    expect(readErrorBody({ error: { code: "too_large", message: "m" } })).toEqual({
      code: "too_large",
      message: "m",
    });
    expect(readErrorBody({ error: { code: "future_code", message: "m" } })?.code).toBe("future_code");
    for (const body of [null, "x", {}, { error: "x" }, { error: { code: 1, message: "m" } }]) {
      expect(readErrorBody(body)).toBeNull();
    }
  });

  it("knows every HTTP error code, too_large and internal included", ({ expect }) => {
    expect(["too_large", "internal", "bad_room"].every(isHttpErrorCode)).toBe(true);
    expect(isHttpErrorCode("nope")).toBe(false);
  });
});
