// Fuzz: tokens whose claims are of every type (numbers, arrays, objects, huge strings, missing) and
// strings that are no token at all. The worker answers 401 or 403 with the error body, never a 5xx.
import fc from "fast-check";
import { describe, it } from "vitest";
import { HTTP_ERROR_CODES } from "../../../src/shared/protocol.ts";
import { call, nowSeconds, SECRET, token, uniqueRoom } from "../../helpers/runtime.ts";
import { anyValue, fuzz, fuzzTimeout, isErrorBody } from "./fuzz.ts";

/** Time budget per case. */
const MS_PER_CASE = 100;
const RUNS = 300;

const capability = fc.constantFrom("read", "write", "admin", "fly", "", "READ");
const pattern = fc.oneof(
  fc.constantFrom("*", "fuzz-*", "__proto__", "constructor", ""),
  fc.string({ maxLength: 70 }),
);
const rooms = fc.oneof(
  fc.dictionary(pattern, fc.oneof(fc.array(capability, { maxLength: 4 }), anyValue), { maxKeys: 4 }),
  fc.array(fc.oneof(pattern, anyValue), { maxLength: 4 }),
  anyValue,
);
const time = fc.oneof(
  fc.integer({ min: -3600, max: 7200 }).map((d) => nowSeconds() + d),
  fc.constantFrom(0, -1, 1e308, Number.MAX_SAFE_INTEGER, 2 ** 53 + 1),
  anyValue,
);
const claims = fc.record(
  {
    sub: fc.oneof(fc.string({ maxLength: 80 }), fc.string({ minLength: 1000, maxLength: 5000 }), anyValue),
    name: fc.oneof(fc.string({ maxLength: 200 }), anyValue),
    rooms,
    exp: time,
    nbf: time,
    iat: time,
  },
  { requiredKeys: [] },
);

/** A signed token (the payload fuzzed), or a string that is not a valid JWT at all. */
const rawToken = fc.oneof(
  { weight: 4, arbitrary: claims.map((c) => ({ claims: c })) },
  {
    weight: 1,
    arbitrary: fc.oneof(
      fc.string({ maxLength: 400 }),
      fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((p) => p.join(".")),
    ),
  },
);

describe("fuzz: token claims", () => {
  it(
    "every token answers 200, 101, 401 or 403, never 5xx",
    async ({ expect }) => {
      const room = uniqueRoom("fuzz");
      await fuzz(
        "token claims",
        RUNS,
        fc.tuple(rawToken, fc.boolean(), fc.boolean()),
        async ([raw, upgrade, inQuery]) => {
          // The payload is signed with the right key; claims are the only thing wrong.
          const t =
            typeof raw === "string" ? raw : await token(raw.claims as Record<string, unknown>, SECRET);
          const path = upgrade ? `/rooms/${room}/ws` : `/auth/check`;
          const q = new URLSearchParams(upgrade ? {} : { room });
          if (inQuery) q.set("token", t);
          const headers: Record<string, string> = upgrade ? { Upgrade: "websocket" } : {};
          // Header values must be Latin-1 without line breaks: anything else goes in the query string.
          if (!inQuery && /^[\x21-\x7e]*$/.test(t)) headers.Authorization = `Bearer ${t}`;
          else q.set("token", t);
          const res = await call(`${path}?${q}`, { headers });
          if (res.webSocket) {
            res.webSocket.accept();
            res.webSocket.close(1000);
          }
          const body: unknown = res.status === 101 ? null : await res.json();
          const seen = `${res.status} ${JSON.stringify(body)} for ${JSON.stringify(raw)}`;
          expect([101, 200, 401, 403], seen).toContain(res.status);
          if (res.status >= 400) expect(isErrorBody(body, HTTP_ERROR_CODES), seen).toBe(true);
        },
        MS_PER_CASE,
      );
    },
    fuzzTimeout(RUNS, MS_PER_CASE),
  );
});
