// Room specs, ttl parsing and minted tokens (verified with hono/jwt like the worker does).
import { verify } from "hono/jwt";
import { describe, expect, it } from "vitest";
import { mintToken, parseRoomSpec, parseTtl } from "../../src/cli/tokens/mint.ts";
import { verifyToken } from "../../src/server/token.ts";

describe("parseRoomSpec", () => {
  it("reads letters, words and bare patterns", () => {
    expect(parseRoomSpec("lobby:rw")).toEqual(["lobby", ["read", "write"]]);
    expect(parseRoomSpec("team-*:r")).toEqual(["team-*", ["read"]]);
    expect(parseRoomSpec("*:admin")).toEqual(["*", ["admin"]]);
    expect(parseRoomSpec("ops:read,admin")).toEqual(["ops", ["read", "admin"]]);
    expect(parseRoomSpec("lobby")).toEqual(["lobby", ["read", "write"]]);
    expect(parseRoomSpec("lobby:rrw")).toEqual(["lobby", ["read", "write"]]);
  });

  it("rejects bad patterns and capabilities", () => {
    expect(() => parseRoomSpec("lob by:rw")).toThrow(/bad room pattern/);
    expect(() => parseRoomSpec("a*b:r")).toThrow(/bad room pattern/);
    expect(() => parseRoomSpec("lobby:x")).toThrow(/bad capabilities/);
    expect(() => parseRoomSpec("lobby:read,fly")).toThrow(/bad capabilities/);
  });
});

describe("parseTtl", () => {
  it("reads units and plain seconds", () => {
    expect(parseTtl("90")).toBe(90);
    expect(parseTtl("90s")).toBe(90);
    expect(parseTtl("15m")).toBe(900);
    expect(parseTtl("1h")).toBe(3600);
    expect(parseTtl("7d")).toBe(604800);
  });

  it("rejects nonsense and zero", () => {
    expect(() => parseTtl("soon")).toThrow(/bad ttl/);
    expect(() => parseTtl("0")).toThrow(/positive/);
    expect(() => parseTtl("-5m")).toThrow(/bad ttl/);
  });
});

describe("mintToken", () => {
  it("signs HS256 with the contract's claims", async () => {
    const now = Date.now();
    const token = await mintToken({
      secret: "s3cret-0123456789abcdef0123456789abcdef",
      user: "alice",
      name: "Alice",
      rooms: { lobby: ["read"] },
      ttlSeconds: 60,
      now,
    });
    const claims = await verify(token, "s3cret-0123456789abcdef0123456789abcdef", "HS256");
    const iat = Math.floor(now / 1000);
    expect(claims).toEqual({ sub: "alice", name: "Alice", rooms: { lobby: ["read"] }, iat, exp: iat + 60 });
    await expect(verify(token, "other", "HS256")).rejects.toThrow();
  });

  it("leaves out an absent name and refuses bad user ids", async () => {
    const token = await mintToken({
      secret: "s-0123456789abcdef0123456789abcdef",
      user: "bob",
      rooms: { "*": ["admin"] },
      ttlSeconds: 5,
    });
    expect(await verify(token, "s-0123456789abcdef0123456789abcdef", "HS256")).not.toHaveProperty("name");
    await expect(
      mintToken({ secret: "s-0123456789abcdef0123456789abcdef", user: "", rooms: {}, ttlSeconds: 5 }),
    ).rejects.toThrow(/1-64/);
  });

  it.each(["my-PRIVATE-secret-0123456789abcdef0123", "my-PUBLIC-secret-0123456789abcdef01234"])(
    "signs with %s as an HMAC secret, as the server verifies it",
    async (secret) => {
      const token = await mintToken({ secret, user: "carol", rooms: { lobby: ["read"] }, ttlSeconds: 60 });
      const v = await verifyToken(token, secret);
      expect(v.sub).toBe("carol");
      expect([...v.rooms]).toEqual([["lobby", ["read"]]]);
    },
  );
});
