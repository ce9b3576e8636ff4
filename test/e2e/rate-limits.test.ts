// Black-box: wrangler dev runs wrangler.toml's [[ratelimits]] bindings, and the worker answers over a
// limit with 429 rate_limited and Retry-After (the other suites start without them: useDevServer).
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { expectHttpError, request } from "./support/http.ts";
import { useDevServer } from "./support/use-dev-server.ts";

const server = useDevServer({ rateLimits: true });

/** RATE_LIMIT_USER in wrangler.toml: 60 requests per 10 s per user. */
const USER_LIMIT = 60;

describe("request rate limits under wrangler dev", () => {
  it("a user's requests over RATE_LIMIT_USER get 429 rate_limited with Retry-After", async ({ expect }) => {
    const room = uniqueRoom();
    const t = await tokenFor(`rl-${crypto.randomUUID()}`, { [room]: ["read"] });
    const url = `${server.url}/auth/check?room=${room}`;
    // The local limiter counts in fixed windows: 2 × limit + 1 requests (a few seconds) put more than
    // the limit into one window even when they straddle a window's end.
    let ok = 0;
    let over: Response | null = null;
    for (let i = 0; i < 2 * USER_LIMIT + 1 && over === null; i++) {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${t}` } });
      if (res.status === 200) {
        ok++;
        await res.body?.cancel();
      } else over = res;
    }
    if (over === null) throw new Error(`${2 * USER_LIMIT + 1} requests of one user, none refused`);
    expect(ok).toBeGreaterThanOrEqual(USER_LIMIT);
    const body: unknown = await over.json();
    expect(over.headers.get("retry-after"), `${over.status} ${JSON.stringify(body)}`).toBe("10");
    expectHttpError(
      { status: over.status, body, contentType: over.headers.get("content-type") ?? "" },
      429,
      "rate_limited",
    );
    // Another user on the same address is not limited by the first one's count.
    const other = await tokenFor(`rl-${crypto.randomUUID()}`, { [room]: ["read"] });
    expect((await request(url, { token: other })).status).toBe(200);
  });
});
