// Durable Object errors marked retryable/overloaded answer 503 unavailable with Retry-After; the upgrade
// is retried once for a retryable error. The runtime cannot be made to throw these on demand, so the
// Room binding here is a stand-in that throws errors shaped like the runtime's.
import { env } from "cloudflare:workers";
import { Hono } from "hono";
import { describe, it } from "vitest";
import { createRoomcast } from "../../src/server/index.ts";
import { isOverloaded, isRetryable, withOneRetry } from "../../src/worker/do-errors.ts";
import { errorOf } from "../helpers/runtime.ts";

const marked = (flags: { retryable?: boolean; overloaded?: boolean }) =>
  Object.assign(new Error("Durable Object error"), flags);

/** A binding whose stubs fail with `errors` in turn, then answer 200 "reached". */
function flakyRooms(errors: Error[]) {
  let calls = 0;
  const fail = async () => {
    calls++;
    const e = errors.shift();
    if (e) throw e;
    return new Response("reached");
  };
  return {
    calls: () => calls,
    ns: { getByName: () => ({ fetch: fail, info: fail, publish: fail, history: fail }) },
  };
}

function app(rooms: ReturnType<typeof flakyRooms>) {
  const a = new Hono();
  a.route(
    "/",
    createRoomcast({
      authenticate: () => ({ sub: "ann", rooms: { "*": ["admin"] } }),
      binding: "FLAKY",
    }),
  );
  return (path: string, init: RequestInit = {}) => a.request(path, init, { ...env, FLAKY: rooms.ns });
}

describe("Durable Object errors", () => {
  it("overloaded or retryable errors are 503 unavailable with Retry-After on every route", async ({
    expect,
  }) => {
    for (const flags of [{ overloaded: true }, { retryable: true }, { retryable: true, overloaded: true }]) {
      const rooms = flakyRooms([marked(flags), marked(flags), marked(flags), marked(flags)]);
      const req = app(rooms);
      for (const [path, init] of [
        ["/rooms/lobby", {}],
        ["/rooms/lobby/messages?limit=5", {}],
        ["/rooms/lobby/messages", { method: "POST", body: '{"data":1}' }],
      ] as const) {
        const res = await req(path, init);
        expect(res.headers.get("retry-after"), `${path} ${JSON.stringify(flags)}`).toBe("1");
        expect(await errorOf(res)).toMatchObject({ status: 503, code: "unavailable" });
      }
    }
  });

  it("an unmarked error stays 500 internal", async ({ expect }) => {
    const res = await app(flakyRooms([new Error("bug")]))("/rooms/lobby");
    expect(await errorOf(res)).toMatchObject({ status: 500, code: "internal" });
  });

  it("the upgrade is retried once for a retryable error, never for an overloaded one", async ({ expect }) => {
    const upgrade = { headers: { Upgrade: "websocket" } };
    const once = flakyRooms([marked({ retryable: true })]);
    expect(await (await app(once)("/rooms/lobby/ws", upgrade)).text()).toBe("reached");
    expect(once.calls()).toBe(2);

    const twice = flakyRooms([marked({ retryable: true }), marked({ retryable: true })]);
    expect(await errorOf(await app(twice)("/rooms/lobby/ws", upgrade))).toMatchObject({
      status: 503,
      code: "unavailable",
    });
    expect(twice.calls()).toBe(2);

    const busy = flakyRooms([marked({ retryable: true, overloaded: true })]);
    expect((await app(busy)("/rooms/lobby/ws", upgrade)).status).toBe(503);
    expect(busy.calls()).toBe(1);
  });

  it("reads the runtime's marks defensively", async ({ expect }) => {
    expect(isRetryable(marked({ retryable: true }))).toBe(true);
    expect(isOverloaded(marked({ overloaded: true }))).toBe(true);
    expect(isRetryable("retryable")).toBe(false);
    expect(isRetryable(null)).toBe(false);
    await expect(withOneRetry(async () => 1)).resolves.toBe(1);
  });
});
