// `roomcast history`: argument parsing and the stderr note for partial pages (no network).
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { helpText } from "../../src/cli/help.ts";
import { historyNote } from "../../src/cli/http.ts";

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

const base = ["history", "http://127.0.0.1:8787", "--room", "lobby", "--token", "T"];

describe("roomcast history arguments", () => {
  it("parses --after, --limit and --epoch with a token", () => {
    expect(parseCommandLine([...base, "--after", "0", "--limit", "1000", "--epoch", "e1"])).toEqual({
      command: "history",
      base: "http://127.0.0.1:8787",
      room: "lobby",
      auth: { kind: "token", token: "T" },
      after: 0,
      limit: 1000,
      epoch: "e1",
      insecure: false,
    });
  });

  it("parses --before, minting, the room from the URL, and no cursor at all", () => {
    expect(
      parseCommandLine(["history", "ws://h/rooms/r1/ws", "--before", "42", "--user", "u", "-s", "x", "-k"]),
    ).toEqual({
      command: "history",
      base: "http://h",
      room: "r1",
      auth: { kind: "mint", user: "u", secret: "x" },
      before: 42,
      insecure: true,
    });
    expect(parseCommandLine(base)).toMatchObject({ command: "history", room: "lobby" });
    expect(parseCommandLine(["history", "--help"])).toEqual({ command: "help", topic: "history" });
  });

  it("refuses both cursors, non-integers and a limit outside 1-1000 with exit code 2", () => {
    const both = usageError([...base, "--after", "1", "--before", "5"]);
    expect(both.exitCode).toBe(2);
    expect(both.message).toBe("history: give --after or --before, not both");
    for (const bad of ["1.5", "abc", "", "1e3", "1234567890123456"]) {
      expect(usageError([...base, `--after=${bad}`]).message).toBe(
        `history: --after must be a non-negative integer, got "${bad}"`,
      );
    }
    expect(usageError([...base, "--before", "x"]).message).toMatch(
      /^history: --before must be a non-negative/,
    );
    // A negative number after a space looks like an option to parseArgs: still a usage error.
    expect(usageError([...base, "--after", "-1"]).exitCode).toBe(2);
    expect(usageError([...base, "--after=-1"]).message).toMatch(
      /--after must be a non-negative integer, got "-1"/,
    );
    for (const bad of ["0", "1001", "-5", "ten", "2.5", "99999"]) {
      const e = usageError([...base, `--limit=${bad}`]);
      expect(e.exitCode).toBe(2);
      expect(e.message).toBe(`history: --limit must be an integer from 1 to 1000, got "${bad}"`);
    }
    expect(usageError([...base, "--epoch", ""]).message).toBe("history: --epoch is empty");
    expect(usageError(["history", "http://h", "--token", "T"]).message).toBe("history: missing --room");
    expect(usageError(["history", "http://h", "--room", "r"]).message).toMatch(/^history: missing token/);
    expect(usageError([...base, "--since", "3"]).message).toMatch(/^history: unknown option '--since'/);
  });

  it("is listed in the overview and has its own help", () => {
    expect(helpText()).toContain("roomcast history <url> --room R [--after N | --before N]");
    expect(helpText("history")).toContain("ascending seq order");
  });
});

describe("historyNote", () => {
  const page = { epoch: "E", seq: 50, more: false, gap: false };
  const msgs = [{ seq: 10 }, { seq: 11 }, { seq: 12 }];

  it("says nothing for a complete page", () => {
    expect(historyNote({ after: 9 }, page, msgs)).toBeUndefined();
  });

  it("gives the next page's options in the page's direction", () => {
    expect(historyNote({ after: 9 }, { ...page, more: true }, msgs)).toBe(
      "more: newer messages remain; next page: --after 12 --epoch E",
    );
    expect(historyNote({ before: 13 }, { ...page, more: true }, msgs)).toBe(
      "more: older messages remain; next page: --before 10 --epoch E",
    );
    expect(historyNote({}, { ...page, more: true }, msgs)).toBe(
      "more: older messages remain; next page: --before 10 --epoch E",
    );
  });

  it("reports trimmed older messages on a --before or newest page", () => {
    expect(historyNote({ before: 13 }, { ...page, gap: true }, msgs)).toBe(
      "gap: older messages (before seq 10) were trimmed from history",
    );
    expect(historyNote({}, { ...page, gap: true }, [])).toBe("gap: older messages were trimmed from history");
  });

  it("reports a gap after --after, with and without messages", () => {
    expect(historyNote({ after: 2 }, { ...page, gap: true }, msgs)).toBe(
      "gap: messages after seq 2 were trimmed from history (this page starts at seq 10)",
    );
    expect(historyNote({ after: 80 }, { ...page, gap: true }, [])).toBe(
      "gap: --after 80 is beyond the room's seq 50 (history from another epoch?)",
    );
  });
});
