// The forwarded upgrade carries the handshake and the worker's identity header, nothing else a client sent.
import { env } from "cloudflare:workers";
import { describe, it } from "vitest";
import { IDENTITY_HEADER, type Identity } from "../../src/server/identity.ts";
import { SHARD_HEADER } from "../../src/server/sharding.ts";
import app from "../../src/worker/index.ts";
import { FORWARDED_UPGRADE_HEADERS } from "../../src/worker/upgrade-headers.ts";
import { TestSocket, token, uniqueRoom } from "../helpers/runtime.ts";

/**
 * The real namespace; each request the worker sends one of its objects is recorded on the way and
 * then delivered unchanged, so the room below is the real one.
 */
interface Namespace {
  getByName(name: string): { fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> };
}

function recording(ns: Namespace, seen: Headers[]) {
  return {
    getByName(name: string) {
      const stub = ns.getByName(name);
      return {
        fetch(input: RequestInfo | URL, init?: RequestInit) {
          seen.push(new Headers(init?.headers));
          return stub.fetch(input, init);
        },
      };
    },
  };
}

const spoofed: Identity = { room: "x", id: "mallory", name: "Admin", capabilities: ["admin"], exp: 9e9 };

const hostile = {
  [IDENTITY_HEADER]: encodeURIComponent(JSON.stringify(spoofed)),
  "X-Roomcast-Shard": JSON.stringify({ room: "elsewhere", shard: 0 }),
  "X-Roomcast-Anything": "1",
  "X-Arbitrary": "client-chosen",
  Cookie: "session=secret",
};

async function upgradeThrough(binding: "ROOMS" | "SHARDS", room: string) {
  const seen: Headers[] = [];
  const res = await app.request(
    `/rooms/${room}/ws`,
    { headers: { Upgrade: "websocket", Authorization: `Bearer ${await token({ sub: "ann" })}`, ...hostile } },
    { ...env, [binding]: recording(env[binding], seen) },
  );
  if (!res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  const socket = new TestSocket(res.webSocket);
  const welcome = await socket.expect("welcome");
  socket.close();
  return { seen, welcome };
}

function names(h: Headers): string[] {
  return [...h.keys()];
}

describe("the upgrade forwards an allowlist of headers", () => {
  it("a plain room sees the handshake and the worker's identity only", async ({ expect }) => {
    const room = uniqueRoom();
    const { seen, welcome } = await upgradeThrough("ROOMS", room);
    expect(seen).toHaveLength(1);
    const h = seen[0] as Headers;
    for (const name of names(h)) expect([...FORWARDED_UPGRADE_HEADERS, IDENTITY_HEADER]).toContain(name);
    expect(h.get("x-arbitrary")).toBeNull();
    expect(h.get("x-roomcast-anything")).toBeNull();
    expect(h.get(SHARD_HEADER)).toBeNull();
    expect(h.get("cookie")).toBeNull();
    expect(h.get("authorization")).toBeNull();
    const identity = JSON.parse(decodeURIComponent(h.get(IDENTITY_HEADER) ?? "")) as Identity;
    expect(identity).toMatchObject({ room, id: "ann" });
    expect(welcome.user.id).toBe("ann");
  });

  it("a sharded room's shard sees the worker's shard header, not the client's", async ({ expect }) => {
    const room = `shard-${uniqueRoom()}`;
    const { seen, welcome } = await upgradeThrough("SHARDS", room);
    expect(seen).toHaveLength(1);
    const h = seen[0] as Headers;
    for (const name of names(h)) {
      expect([...FORWARDED_UPGRADE_HEADERS, IDENTITY_HEADER, SHARD_HEADER]).toContain(name);
    }
    expect(h.get("x-arbitrary")).toBeNull();
    expect(h.get("x-roomcast-anything")).toBeNull();
    expect(JSON.parse(h.get(SHARD_HEADER) ?? "")).toMatchObject({ room });
    expect(welcome.user.id).toBe("ann");
  });
});
