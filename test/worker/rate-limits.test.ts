// Request rate limits per IP and per user (Workers Rate Limiting binding), in the Workers runtime.
// RATE_LIMIT_TIGHT is a real limiter (3 per 60 s, vitest.config.ts) bound in place of the configured one.
import { env } from "cloudflare:workers";
import { describe, type ExpectStatic, it } from "vitest";
import app from "../../src/worker/index.ts";
import { errorOf, token, uniqueRoom } from "../helpers/runtime.ts";

type Bindings = typeof env & { RATE_LIMIT_TIGHT: RateLimit };
const bindings = env as Bindings;
const tightUser = { ...env, RATE_LIMIT_USER: bindings.RATE_LIMIT_TIGHT };
const tightIp = { ...env, RATE_LIMIT_IP: bindings.RATE_LIMIT_TIGHT };
const unlimited = { ...env, RATE_LIMIT_USER: undefined, RATE_LIMIT_IP: undefined };

const uniqueIp = () => `2001:db8::${crypto.randomUUID().slice(0, 4)}:${crypto.randomUUID().slice(0, 4)}`;
const admin = (sub: string) => token({ sub, rooms: { "*": ["read", "write", "admin"] } });

async function expectLimited(res: Response, expect: ExpectStatic) {
  expect(res.headers.get("Retry-After")).toBe("10");
  const e = await errorOf(res);
  expect(e.status).toBe(429);
  expect(e.code).toBe("rate_limited");
}

describe("per-user limit", () => {
  it("the 4th request of a user within the period is 429 rate_limited with Retry-After", async ({
    expect,
  }) => {
    const room = uniqueRoom();
    const sub = `u-${crypto.randomUUID()}`;
    const auth = { Authorization: `Bearer ${await admin(sub)}` };
    expect((await app.request(`/auth/check?room=${room}`, { headers: auth }, tightUser)).status).toBe(200);
    expect((await app.request(`/rooms/${room}/messages`, { headers: auth }, tightUser)).status).toBe(200);
    const posted = await app.request(
      `/rooms/${room}/messages`,
      { method: "POST", headers: auth, body: '{"data":1}' },
      tightUser,
    );
    expect(posted.status).toBe(201);
    for (const [path, init] of [
      [`/rooms/${room}/ws`, { headers: { ...auth, Upgrade: "websocket" } }],
      [`/rooms/${room}/messages`, { headers: auth }],
      [`/rooms/${room}`, { headers: auth }],
      [`/rooms/${room}/kick`, { method: "POST", headers: auth, body: '{"user":"x"}' }],
      [`/auth/check?room=${room}`, { headers: auth }],
    ] as const) {
      await expectLimited(await app.request(path, init, tightUser), expect);
    }
    // Another user is counted apart.
    const other = { Authorization: `Bearer ${await admin(`v-${crypto.randomUUID()}`)}` };
    expect((await app.request(`/auth/check?room=${room}`, { headers: other }, tightUser)).status).toBe(200);
  });
});

describe("per-IP limit", () => {
  it("charges CF-Connecting-IP before the token is read", async ({ expect }) => {
    const room = uniqueRoom();
    const ip = uniqueIp();
    for (let i = 0; i < 3; i++) {
      const res = await app.request(
        `/auth/check?room=${room}`,
        { headers: { "CF-Connecting-IP": ip } },
        tightIp,
      );
      expect(res.status).toBe(401);
    }
    const good = { "CF-Connecting-IP": ip, Authorization: `Bearer ${await token()}` };
    await expectLimited(await app.request(`/auth/check?room=${room}`, { headers: good }, tightIp), expect);
    await expectLimited(
      await app.request(`/rooms/${room}/ws`, { headers: { ...good, Upgrade: "websocket" } }, tightIp),
      expect,
    );
    const elsewhere = { ...good, "CF-Connecting-IP": uniqueIp() };
    expect((await app.request(`/auth/check?room=${room}`, { headers: elsewhere }, tightIp)).status).toBe(200);
  });

  it("/healthz is never charged", async ({ expect }) => {
    const headers = { "CF-Connecting-IP": uniqueIp() };
    for (let i = 0; i < 5; i++)
      expect((await app.request("/healthz", { headers }, tightIp)).status).toBe(200);
  });
});

describe("without the bindings", () => {
  it("nothing is limited", async ({ expect }) => {
    const room = uniqueRoom();
    const headers = { "CF-Connecting-IP": uniqueIp(), Authorization: `Bearer ${await token()}` };
    for (let i = 0; i < 12; i++) {
      expect((await app.request(`/auth/check?room=${room}`, { headers }, unlimited)).status).toBe(200);
    }
  });
});
