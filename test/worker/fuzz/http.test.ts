// Fuzz: bodies and query parameters of the HTTP routes (publish, history, kick, auth/check) on a
// plain and a sharded room. Every answer is a success or a 4xx with the error body, never a 5xx.
import fc from "fast-check";
import { describe, type ExpectStatic, it } from "vitest";
import { HTTP_ERROR_CODES } from "../../../src/shared/protocol.ts";
import { call, token, uniqueRoom } from "../../helpers/runtime.ts";
import { anyValue, fuzz, fuzzTimeout, isErrorBody } from "./fuzz.ts";

/** Time budget per case. */
const MS_PER_CASE = 100;
const RUNS = 200;

/** Text that looks like JSON of the right shape with wrong types, JSON of any shape, or no JSON. */
const body = fc.oneof(
  fc.record({ data: anyValue, id: anyValue }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
  fc
    .record({ user: anyValue, banSeconds: anyValue, reason: anyValue }, { requiredKeys: [] })
    .map((v) => JSON.stringify(v)),
  fc.json({ maxDepth: 3 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    '{"data":1e400}',
    '{"data":-1e400,"id":"x"}',
    '{"user":"u","banSeconds":1e400}',
    "",
    "{",
    "[]",
    "null",
  ),
  fc.integer({ min: 4000, max: 5000 }).map((n) => JSON.stringify({ data: "x".repeat(n) })),
);

const digits = fc.oneof(
  fc.nat().map(String),
  fc.constantFrom("0", "-1", "1e3", "9".repeat(16), "9".repeat(400), "0x10", " 1", "1.5", "", "NaN"),
);
const query = fc.dictionary(
  fc.oneof(
    fc.constantFrom("after", "before", "limit", "epoch", "room", "since", "token"),
    fc.string({ maxLength: 10 }),
  ),
  fc.oneof(digits, fc.string({ maxLength: 80 })),
  { maxKeys: 4 },
);

const request = fc.oneof(
  fc.record({ route: fc.constant("publish" as const), body, query }),
  fc.record({ route: fc.constant("kick" as const), body, query }),
  fc.record({ route: fc.constant("history" as const), body: fc.constant(""), query }),
  fc.record({ route: fc.constant("auth" as const), body: fc.constant(""), query }),
);

async function fuzzRoutes(room: string, expect: ExpectStatic) {
  // An admin of the fuzz room only: whatever it kicks or bans stays there.
  const auth = {
    Authorization: `Bearer ${await token({ sub: "fuzz-admin", rooms: { [room]: ["admin"] } })}`,
  };
  await fuzz(
    `http routes (${room.split("-")[0]} room)`,
    RUNS,
    request,
    async (r) => {
      const q = new URLSearchParams(r.query);
      let path: string;
      let init: RequestInit;
      if (r.route === "publish") [path, init] = [`/rooms/${room}/messages`, { method: "POST", body: r.body }];
      else if (r.route === "kick") [path, init] = [`/rooms/${room}/kick`, { method: "POST", body: r.body }];
      else if (r.route === "history") [path, init] = [`/rooms/${room}/messages`, {}];
      else {
        if (!q.has("room")) q.set("room", room);
        [path, init] = ["/auth/check", {}];
      }
      q.delete("token");
      const res = await call(`${path}?${q}`, { ...init, headers: auth });
      const text = await res.text();
      const seen = `${r.route} ?${q} ${JSON.stringify(r.body).slice(0, 300)} → ${res.status} ${text.slice(0, 300)}`;
      expect(res.status, seen).toBeLessThan(500);
      if (res.status >= 400) expect(isErrorBody(JSON.parse(text), HTTP_ERROR_CODES), seen).toBe(true);
    },
    MS_PER_CASE,
  );
}

describe("fuzz: HTTP bodies and query parameters", () => {
  it(
    "a plain room answers 2xx or 4xx with the error body",
    async ({ expect }) => {
      await fuzzRoutes(uniqueRoom("fuzz"), expect);
    },
    fuzzTimeout(RUNS, MS_PER_CASE),
  );

  it(
    "a sharded room answers 2xx or 4xx with the error body",
    async ({ expect }) => {
      await fuzzRoutes(uniqueRoom("shard"), expect);
    },
    fuzzTimeout(RUNS, MS_PER_CASE),
  );
});
