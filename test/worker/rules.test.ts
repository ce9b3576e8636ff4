// The worker's pure rules: capability patterns, origin check, settings parsing.
import { describe, it } from "vitest";
import { capabilitiesFor, matches } from "../../src/server/capabilities.ts";
import { parseSettings } from "../../src/server/settings.ts";
import type { Capability } from "../../src/shared/protocol.ts";
import { originAllowed } from "../../src/worker/auth/origin.ts";
import { HttpError } from "../../src/worker/http-error.ts";

const grants = (o: Record<string, Capability[]>) => new Map(Object.entries(o));

describe("capabilities", () => {
  it("matches exact names, prefixes and *", ({ expect }) => {
    expect(matches("lobby", "lobby")).toBe(true);
    expect(matches("lobby", "lobby-2")).toBe(false);
    expect(matches("team-*", "team-")).toBe(true);
    expect(matches("team-*", "team-a")).toBe(true);
    expect(matches("*", "x")).toBe(true);
  });

  it("unions every matching pattern; admin implies read and write", ({ expect }) => {
    expect(capabilitiesFor(grants({ "team-*": ["read"], "team-a": ["write"] }), "team-a")).toEqual([
      "read",
      "write",
    ]);
    expect(capabilitiesFor(grants({ "*": ["admin"] }), "x")).toEqual(["read", "write", "admin"]);
    expect(capabilitiesFor(grants({ lobby: ["read"] }), "other")).toEqual([]);
  });
});

describe("origin", () => {
  const req = (origin?: string) =>
    new Request("https://rc.example/rooms/x/ws", { headers: origin ? { Origin: origin } : {} });
  it("skips requests without Origin; same origin by default; list and * otherwise", ({ expect }) => {
    expect(originAllowed(req(), [])).toBe(true);
    expect(originAllowed(req("https://rc.example"), [])).toBe(true);
    expect(originAllowed(req("https://evil.example"), [])).toBe(false);
    expect(originAllowed(req("https://a.example"), ["https://a.example"])).toBe(true);
    expect(originAllowed(req("https://rc.example"), ["https://a.example"])).toBe(false);
    expect(originAllowed(req("https://b.example"), ["*"])).toBe(true);
  });
});

describe("settings", () => {
  it("applies the contract's defaults and reads overrides", ({ expect }) => {
    expect(parseSettings({})).toEqual({
      allowedOrigins: [],
      idleTimeoutSeconds: 60,
      maxMessageBytes: 65536,
      ratePerSecond: 20,
      signalRatePerSecond: 60,
      historyLimit: 1000,
      maxConnectionsPerRoom: 10000,
      maxConnectionsPerUser: 20,
      presenceLimit: 1000,
      maxReplayBytes: 4194304,
      hookTimeoutMs: 1000,
      maxUnreadBytes: 16777216,
      logLevel: "warn",
      sharding: { shardedRooms: [], roomShards: 8 },
      placement: [],
    });
    const s = parseSettings({
      ALLOWED_ORIGINS: " https://a.example/ , https://b.example",
      IDLE_TIMEOUT_SECONDS: "5",
    });
    expect(s.allowedOrigins).toEqual(["https://a.example", "https://b.example"]);
    expect(s.idleTimeoutSeconds).toBe(5);
  });

  it("rejects values that would disable a limit", ({ expect }) => {
    expect(() => parseSettings({ RATE_PER_SECOND: "0" })).toThrow(/RATE_PER_SECOND/);
    expect(() => parseSettings({ MAX_MESSAGE_BYTES: "1e9" })).toThrow(/MAX_MESSAGE_BYTES/);
    expect(() => parseSettings({ IDLE_TIMEOUT_SECONDS: "abc" })).toThrow(/IDLE_TIMEOUT_SECONDS/);
    expect(() => parseSettings({ LOG_LEVEL: "debug" })).toThrow(/LOG_LEVEL/);
    expect(() => parseSettings({ SIGNAL_RATE_PER_SECOND: "0" })).toThrow(
      /SIGNAL_RATE_PER_SECOND must be an integer from 1 to 100000/,
    );
    expect(parseSettings({}).signalRatePerSecond).toBe(60);
    expect(parseSettings({ LOG_LEVEL: "warn" }).logLevel).toBe("warn");
    expect(parseSettings({ LOG_LEVEL: "info" }).logLevel).toBe("info");
  });

  it("MAX_UNREAD_BYTES: 0 is off, else it must hold a whole replay plus 1 MiB", ({ expect }) => {
    expect(parseSettings({ MAX_UNREAD_BYTES: "0" }).maxUnreadBytes).toBe(0);
    expect(() => parseSettings({ MAX_UNREAD_BYTES: "5242879" })).toThrow(
      /MAX_UNREAD_BYTES must be 0 \(no limit\) or at least MAX_REPLAY_BYTES \+ 1048576 \(5242880\)/,
    );
    expect(parseSettings({ MAX_UNREAD_BYTES: "5242880" }).maxUnreadBytes).toBe(5242880);
    // Unset, the default grows with a replay budget above 15 MiB.
    expect(parseSettings({ MAX_REPLAY_BYTES: String(32 << 20) }).maxUnreadBytes).toBe((32 << 20) + (1 << 20));
    expect(() => parseSettings({ MAX_UNREAD_BYTES: "-1" })).toThrow(/MAX_UNREAD_BYTES/);
  });
});

describe("HttpError", () => {
  it("keeps the underlying error as cause, and none when there is none", ({ expect }) => {
    const why = new Error("bad json");
    const e = new HttpError(400, "bad_request", "body must be JSON", { cause: why });
    expect(e).toMatchObject({ status: 400, code: "bad_request", message: "body must be JSON", cause: why });
    expect("cause" in new HttpError(404, "not_found", "no route")).toBe(false);
  });
});
