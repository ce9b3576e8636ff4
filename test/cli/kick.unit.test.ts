// `roomcast kick` arguments, signals typed in a session, and how signals and state updates render.
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { parseInput } from "../../src/cli/connect/input.ts";
import { humanLine, jsonLine } from "../../src/cli/connect/render.ts";
import { UsageError } from "../../src/cli/errors.ts";

function usage(argv: string[]): string {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err.message;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

const base = ["kick", "http://127.0.0.1:8787", "--room", "lobby", "--token", "T"];

describe("roomcast kick", () => {
  it("parses the target, a ban length and a reason", () => {
    expect(parseCommandLine([...base, "--target", "bob", "--ban", "1h", "--reason", "spam"])).toEqual({
      command: "kick",
      base: "http://127.0.0.1:8787",
      room: "lobby",
      auth: { kind: "token", token: "T" },
      target: "bob",
      banSeconds: 3600,
      reason: "spam",
      insecure: false,
    });
    expect(parseCommandLine([...base, "--target", "bob"])).not.toHaveProperty("banSeconds");
    expect(parseCommandLine([...base, "--target", "bob", "--ban", "30d"])).toMatchObject({
      banSeconds: 2_592_000,
    });
  });

  it("refuses a missing target, a bad or too long ban, and a long reason", () => {
    expect(usage(base)).toContain("missing --target");
    expect(usage([...base, "--target", "bob", "--ban", "soon"])).toContain("--ban must be a duration");
    expect(usage([...base, "--target", "bob", "--ban", "31d"])).toContain("at most 30d");
    expect(usage([...base, "--target", "bob", "--reason", "x".repeat(121)])).toContain("at most 120");
    expect(usage([...base, "--target", "x".repeat(65)])).toContain("--target must be 1-64");
  });
});

describe("signals in a session", () => {
  it("/signal sends JSON, /typing the typing signal", () => {
    expect(parseInput('/signal {"x":1}')).toEqual({ kind: "signal", data: { x: 1 } });
    expect(parseInput("/typing")).toEqual({ kind: "signal", data: { typing: true } });
    expect(parseInput("/signal")).toMatchObject({ kind: "invalid" });
    expect(parseInput("/signal {")).toMatchObject({ kind: "invalid" });
  });

  it("are JSON lines for pipes and silent on a terminal; state updates show on both", () => {
    const signal = { type: "signal" as const, from: { id: "bob", name: "Bob" }, data: { x: 1 }, ts: 5 };
    expect(JSON.parse(jsonLine(signal))).toEqual(signal);
    expect(humanLine(signal, { color: false, url: "u" })).toBeNull();
    const update = {
      type: "presence" as const,
      event: "update" as const,
      user: { id: "bob", name: "Bob" },
      state: "away",
      members: 2,
    };
    expect(humanLine(update, { color: false, url: "u" })).toBe("* Bob is away");
  });
});
