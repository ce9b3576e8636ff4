// Command-line parsing and validation of the roomcast CLI (no network).
import { describe, expect, it } from "vitest";
import { parseCommandLine } from "../../src/cli/args.ts";
import { UsageError } from "../../src/cli/errors.ts";
import { parseServerUrl } from "../../src/cli/url.ts";

function usageError(argv: string[]): UsageError {
  try {
    parseCommandLine(argv);
  } catch (err) {
    if (err instanceof UsageError) return err;
    throw err;
  }
  throw new Error(`expected a usage error for ${argv.join(" ")}`);
}

describe("parseCommandLine", () => {
  it("takes --rewind N for connect", () => {
    const parsed = parseCommandLine(["connect", "ws://h", "--room", "r", "--token", "T", "--rewind", "20"]);
    expect(parsed).toMatchObject({ command: "connect", rewind: 20 });
  });

  it("shows help without arguments, with --help, and per command", () => {
    expect(parseCommandLine([])).toEqual({ command: "help" });
    expect(parseCommandLine(["-h"])).toEqual({ command: "help" });
    expect(parseCommandLine(["help", "token"])).toEqual({ command: "help", topic: "token" });
    expect(parseCommandLine(["connect", "--help"])).toEqual({ command: "help", topic: "connect" });
    expect(parseCommandLine(["publish", "-h", "--bogus"])).toEqual({ command: "help", topic: "publish" });
  });

  it("rejects unknown commands and options with exit code 2", () => {
    const cmd = usageError(["frobnicate"]);
    expect(cmd.exitCode).toBe(2);
    expect(cmd.message).toContain('unknown command "frobnicate"');
    expect(usageError(["--frob"]).message).toContain("unknown option --frob");
    expect(usageError(["help", "nope"]).message).toContain('unknown command "nope"');
    const opt = usageError(["connect", "ws://h", "--room", "r", "--token", "t", "--colour"]);
    expect(opt.message).toMatch(/^connect: unknown option '--colour'/);
  });

  it("parses connect with a token, ws:// mapped to http://", () => {
    expect(parseCommandLine(["connect", "ws://127.0.0.1:8787", "--room", "lobby", "--token", "T"])).toEqual({
      command: "connect",
      base: "http://127.0.0.1:8787",
      room: "lobby",
      auth: { kind: "token", token: "T" },
      insecure: false,
      json: false,
      listen: false,
    });
  });

  it("parses connect with minting, resume point, short flags and booleans", () => {
    const c = parseCommandLine([
      "connect",
      "wss://example.com",
      "-r",
      "team-1",
      "-u",
      "alice",
      "-n",
      "Alice",
      "-s",
      "sekrit",
      "--since",
      "42",
      "--epoch",
      "e1",
      "-k",
      "--json",
      "--listen",
    ]);
    expect(c).toEqual({
      command: "connect",
      base: "https://example.com",
      room: "team-1",
      auth: { kind: "mint", user: "alice", name: "Alice", secret: "sekrit" },
      since: 42,
      epoch: "e1",
      insecure: true,
      json: true,
      listen: true,
    });
  });

  it("takes the room from a pasted /rooms/<room>/ws URL", () => {
    const c = parseCommandLine(["connect", "ws://h:1/rooms/lobby/ws", "--token", "T"]);
    expect(c).toMatchObject({ base: "http://h:1", room: "lobby" });
    expect(
      usageError(["connect", "ws://h/rooms/lobby/ws", "--room", "other", "--token", "T"]).message,
    ).toContain("differs from the URL's room lobby");
  });

  it("validates connect arguments", () => {
    expect(usageError(["connect", "--room", "r", "--token", "T"]).message).toContain("missing server URL");
    expect(usageError(["connect", "ws://h", "extra", "--room", "r", "--token", "T"]).message).toContain(
      'unexpected argument "extra"',
    );
    expect(usageError(["connect", "ws://h", "--token", "T"]).message).toContain("missing --room");
    expect(usageError(["connect", "ws://h", "--room", "no spaces", "--token", "T"]).message).toContain(
      'bad room "no spaces"',
    );
    expect(usageError(["connect", "ws://h", "--room", "x".repeat(65), "--token", "T"]).message).toContain(
      "bad room",
    );
    expect(usageError(["connect", "ws://h", "--room", "r"]).message).toContain("missing token");
    expect(usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--user", "u"]).message).toContain(
      "not both",
    );
    expect(
      usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--since", "3"]).message,
    ).toContain("--since and --epoch go together");
    expect(
      usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--since=-1", "--epoch", "e"]).message,
    ).toContain("non-negative integer");
    expect(
      usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--since", "1.5", "--epoch", "e"])
        .message,
    ).toContain("non-negative integer");
    expect(
      usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--rewind", "lots"]).message,
    ).toContain("--rewind");
    expect(
      usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--rewind", "1000001"]).message,
    ).toContain("--rewind");
    expect(usageError(["connect", "ws://h", "--room", "r", "--user", "x".repeat(65)]).message).toContain(
      "1-64",
    );
    expect(usageError(["connect", "ws://h", "--room"]).message).toContain("argument missing");
    expect(usageError(["connect", "ws://h", "--room", "r", "--token", "T", "--since", "-1"]).message).toBe(
      "connect: option '--since' argument is ambiguous (see roomcast connect --help)",
    );
  });

  it("parses token with repeated, merged room specs and a ttl", () => {
    expect(
      parseCommandLine([
        "token",
        "--user",
        "bob",
        "--room",
        "lobby:r",
        "--room",
        "team-*:read",
        "--room",
        "lobby:w",
        "--ttl",
        "15m",
      ]),
    ).toEqual({
      command: "token",
      user: "bob",
      rooms: { lobby: ["read", "write"], "team-*": ["read"] },
      ttlSeconds: 900,
    });
    expect(parseCommandLine(["token", "-u", "ops", "-r", "*:a", "-s", "k"])).toMatchObject({
      rooms: { "*": ["admin"] },
      ttlSeconds: 3600,
      secret: "k",
    });
  });

  it("validates token arguments", () => {
    expect(usageError(["token", "--room", "lobby"]).message).toContain("missing --user");
    expect(usageError(["token", "--user", "u"]).message).toContain("missing --room");
    expect(usageError(["token", "--user", "u", "--room", "lob by:rw"]).message).toContain("bad room pattern");
    expect(usageError(["token", "--user", "u", "--room", "lobby:rx"]).message).toContain("bad capabilities");
    expect(usageError(["token", "--user", "u", "--room", "lobby", "--ttl", "soon"]).message).toContain(
      "bad ttl",
    );
    expect(usageError(["token", "--user", "u", "--room", "lobby", "stray"]).message).toContain(
      'unexpected argument "stray"',
    );
  });

  it("parses publish --data as JSON, with an optional id", () => {
    expect(
      parseCommandLine([
        "publish",
        "http://h",
        "--room",
        "r",
        "--data",
        '{"n":1}',
        "--id",
        "m-1",
        "--token",
        "T",
      ]),
    ).toEqual({
      command: "publish",
      base: "http://h",
      room: "r",
      auth: { kind: "token", token: "T" },
      data: { n: 1 },
      id: "m-1",
      insecure: false,
    });
    expect(parseCommandLine(["publish", "http://h", "-r", "r", "-d", '"hi"', "-u", "ops"])).toMatchObject({
      data: "hi",
      auth: { kind: "mint", user: "ops" },
    });
  });

  it("rejects bad publish data and ids", () => {
    const bad = usageError(["publish", "http://h", "--room", "r", "--data", "hello", "--token", "T"]);
    expect(bad.exitCode).toBe(2);
    expect(bad.message).toContain("--data is not valid JSON");
    expect(usageError(["publish", "http://h", "--room", "r", "--token", "T"]).message).toContain(
      "missing --data",
    );
    expect(
      usageError([
        "publish",
        "http://h",
        "--room",
        "r",
        "--data",
        "1",
        "--id",
        "x".repeat(65),
        "--token",
        "T",
      ]).message,
    ).toContain("--id must be 1-64");
  });

  it("parses info", () => {
    expect(parseCommandLine(["info", "https://h:9", "--room", "r", "--token", "T", "--insecure"])).toEqual({
      command: "info",
      base: "https://h:9",
      room: "r",
      auth: { kind: "token", token: "T" },
      insecure: true,
    });
  });
});

describe("parseServerUrl", () => {
  it("maps every accepted scheme to the http(s) base", () => {
    expect(parseServerUrl("ws://127.0.0.1:8787")).toEqual({ base: "http://127.0.0.1:8787" });
    expect(parseServerUrl("wss://example.com/")).toEqual({ base: "https://example.com" });
    expect(parseServerUrl("http://localhost:8787")).toEqual({ base: "http://localhost:8787" });
    expect(parseServerUrl("https://example.com:443")).toEqual({ base: "https://example.com" });
    expect(parseServerUrl("localhost:8787")).toEqual({ base: "http://localhost:8787" });
  });

  it("keeps a path prefix and reads a room path", () => {
    expect(parseServerUrl("https://example.com/api/")).toEqual({ base: "https://example.com/api" });
    expect(parseServerUrl("wss://example.com/api/rooms/lobby/ws")).toEqual({
      base: "https://example.com/api",
      room: "lobby",
    });
    expect(parseServerUrl("http://h/rooms/team-1")).toEqual({ base: "http://h", room: "team-1" });
  });

  it("rejects bad URLs", () => {
    expect(() => parseServerUrl("ftp://h")).toThrow(/bad URL "ftp:\/\/h"/);
    expect(() => parseServerUrl("http://")).toThrow(/bad URL/);
    expect(() => parseServerUrl("ws://h/?token=x")).toThrow(/no query string/);
    expect(() => parseServerUrl("ws://u:p@h")).toThrow(/no user:password/);
  });
});
