// ROOM_PLACEMENT: rooms matching a pattern are created in a jurisdiction or with a location hint, by the
// worker (room, sequencer, shards) through one function; bad values answer 500 misconfigured.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { parsePlacement, placementFor } from "../../src/server/placement.ts";
import app from "../../src/worker/index.ts";
import { errorOf, TestSocket, token } from "../helpers/runtime.ts";

type Call = { name: string; jurisdiction?: string; locationHint?: string };

/** The real namespace, recording how each stub was asked for (the object itself is the local one). */
function recording(ns: DurableObjectNamespace, calls: Call[], jurisdiction?: string): DurableObjectNamespace {
  return {
    getByName(name: string, options?: { locationHint?: string }) {
      calls.push({
        name,
        ...(jurisdiction ? { jurisdiction } : {}),
        ...(options?.locationHint ? { locationHint: options.locationHint } : {}),
      });
      return ns.getByName(name);
    },
    jurisdiction(j: string) {
      return recording(ns, calls, j);
    },
  } as unknown as DurableObjectNamespace;
}

const PLACEMENT = "eu-*=jurisdiction:eu, apac-*=hint:apac, shard-eu-*=jurisdiction:eu";

async function through(path: string, init: RequestInit, vars: Record<string, string> = {}) {
  const calls: Call[] = [];
  const res = await app.request(path, init, {
    ...env,
    ROOM_PLACEMENT: PLACEMENT,
    ...vars,
    ROOMS: recording(env.ROOMS as unknown as DurableObjectNamespace, calls),
    SEQUENCERS: recording(env.SEQUENCERS as unknown as DurableObjectNamespace, calls),
    SHARDS: recording(env.SHARDS as unknown as DurableObjectNamespace, calls),
  });
  return { res, calls };
}

const admin = () => token({ sub: "ops", rooms: { "*": ["admin", "read", "write"] } });

describe("ROOM_PLACEMENT", () => {
  it("parses patterns to jurisdictions and hints; the first matching rule wins", ({ expect }) => {
    const rules = parsePlacement("eu-*=jurisdiction:eu, eu-special=hint:weur, *=hint:enam");
    expect(placementFor(rules, "eu-lobby")).toEqual({ jurisdiction: "eu" });
    expect(placementFor(rules, "eu-special")).toEqual({ jurisdiction: "eu" });
    expect(placementFor(rules, "lobby")).toEqual({ locationHint: "enam" });
    expect(placementFor(parsePlacement(""), "lobby")).toBeNull();
  });

  it("creates a matching room's object in its jurisdiction, or with its location hint", async ({
    expect,
  }) => {
    const tok = await admin();
    const eu = await through(`/rooms/eu-${crypto.randomUUID()}`, {
      headers: { Authorization: `Bearer ${tok}` },
    });
    expect(eu.res.status).toBe(200);
    expect(eu.calls).toEqual([expect.objectContaining({ jurisdiction: "eu" })]);
    const room = `apac-${crypto.randomUUID()}`;
    const apac = await through(`/rooms/${room}/ws`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${tok}` },
    });
    expect(apac.calls).toEqual([{ name: room, locationHint: "apac" }]);
    if (apac.res.webSocket) {
      const s = new TestSocket(apac.res.webSocket);
      await s.expect("welcome");
      s.close();
    }
    const other = await through(`/rooms/lobby-${crypto.randomUUID()}`, {
      headers: { Authorization: `Bearer ${tok}` },
    });
    expect(other.calls.every((c) => c.jurisdiction === undefined && c.locationHint === undefined)).toBe(true);
  });

  it("places a sharded room's sequencer and shards too", async ({ expect }) => {
    const tok = await admin();
    const room = `shard-eu-${crypto.randomUUID()}`;
    const ws = await through(`/rooms/${room}/ws`, {
      headers: { Upgrade: "websocket", Authorization: `Bearer ${tok}` },
    });
    expect(ws.calls).toEqual([
      expect.objectContaining({ name: expect.stringContaining(`${room}#`), jurisdiction: "eu" }),
    ]);
    if (ws.res.webSocket) {
      const s = new TestSocket(ws.res.webSocket);
      await s.expect("welcome");
      s.close();
    }
    const info = await through(`/rooms/${room}`, { headers: { Authorization: `Bearer ${tok}` } });
    expect(info.calls).toEqual([{ name: room, jurisdiction: "eu" }]);
  });

  it("says plainly when the runtime cannot create a jurisdiction (workerd: wrangler dev and tests)", async ({
    expect,
  }) => {
    const res = await app.request(
      `/rooms/eu-${crypto.randomUUID()}`,
      { headers: { Authorization: `Bearer ${await admin()}` } },
      { ...env, ROOM_PLACEMENT: "eu-*=jurisdiction:eu" },
    );
    const e = await errorOf(res);
    expect(e).toMatchObject({ status: 500, code: "misconfigured" });
    expect(e.message).toContain("jurisdiction 'eu'");
  });

  it("answers 500 misconfigured naming a bad entry", async ({ expect }) => {
    const tok = await admin();
    for (const bad of ["eu-*=jurisdiction:mars", "eu-*=hint:moon", "eu-*", "b@d=hint:weur"]) {
      const { res } = await through(
        "/rooms/lobby",
        { headers: { Authorization: `Bearer ${tok}` } },
        { ROOM_PLACEMENT: bad },
      );
      const e = await errorOf(res);
      expect(e).toMatchObject({ status: 500, code: "misconfigured" });
      expect(e.message).toContain("ROOM_PLACEMENT");
    }
  });
});
