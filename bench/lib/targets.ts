// The servers a bench run compares, each started by `wrangler dev` on a free loopback port, and the
// wire protocol the load generator speaks to each.
import { mintToken } from "../../src/cli/tokens/mint.ts";
import { type DevServer, startDevServer, TEST_SECRET } from "../../test/support/dev-server.ts";
import { type DevProcesses, devProcesses } from "./procs.ts";

/** "bare+assets": the bare DO behind the static-assets router, as roomcast's page puts roomcast locally. */
export type TargetName = "roomcast" | "bare" | "bare+assets" | "partyserver";

export interface Target {
  name: TargetName;
  server: DevServer;
  /**
   * Its processes as they are now, found again on every read: `wrangler dev` replaces the runtime (a new
   * pid) when a watched file changes. Throws while the server is between two runtimes.
   */
  readonly procs: DevProcesses;
  /** The socket URL for user number `user` in `room`. */
  socketUrl(room: string, user: number): Promise<string>;
  /**
   * "synced": ready after the server's `synced` frame, or a `welcome` that carries it (protocol 2; then
   * it sends `ping`); "open": after the handshake.
   */
  readyOn: "open" | "synced";
  /** The text frame that publishes `payload` (a JSON object) to the room. */
  publishFrame(payload: string): string;
}

/** The wire protocol version a load generator asks roomcast for: "2" (the client library's) or "1". */
export type Protocol = "1" | "2";

/** A `--protocol` flag's value: 1 or 2, 2 when not given. */
export function parseProtocol(flag: string | undefined): Protocol {
  if (flag === undefined || flag === "2") return "2";
  if (flag === "1") return "1";
  throw new Error(`--protocol wants 1 or 2, got '${flag}'`);
}

/** The query parameter (to append after others) that asks for `protocol`: none for 1, as old clients. */
export function versionParam(protocol: Protocol): string {
  return protocol === "1" ? "" : "&v=2";
}

export interface RoomcastOptions {
  logLevel: string;
  /** connect with `?batch=1` (coalesced delivery) */
  batch: boolean;
  /** the wire protocol version asked for with `?v=`: "2" (the client library's, the default) or "1" */
  protocol?: Protocol;
  /** another wrangler config (relative to the project root) instead of wrangler.toml */
  config?: string;
  /** more [vars] for this server (e.g. PRESENCE_LIMIT) */
  vars?: Record<string, string>;
  /** a fixed inspector port, for bench/profile.ts */
  inspectorPort?: number;
}

const BENCH_VARS = {
  // The load generator publishes far above the default 20 frames/s per connection.
  RATE_PER_SECOND: "100000",
  IDLE_TIMEOUT_SECONDS: "600",
};

export async function startRoomcast(o: RoomcastOptions): Promise<Target> {
  const server = await startDevServer({
    vars: { ...BENCH_VARS, ...o.vars, LOG_LEVEL: o.logLevel },
    ...(o.config ? { args: ["--config", o.config] } : {}),
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
  });
  const tokens = new Map<number, Promise<string>>();
  const tokenFor = (user: number): Promise<string> => {
    let t = tokens.get(user);
    if (t === undefined) {
      t = mintToken({
        secret: TEST_SECRET,
        user: `u${user}`,
        rooms: { "*": ["read", "write"] },
        ttlSeconds: 3600,
      });
      tokens.set(user, t);
    }
    return t;
  };
  const base = server.url.replace(/^http/, "ws");
  return {
    name: "roomcast",
    server,
    get procs() {
      return devProcesses(server.port);
    },
    readyOn: "synced",
    socketUrl: async (room, user) =>
      `${base}/rooms/${room}/ws?token=${await tokenFor(user)}${o.batch ? "&batch=1" : ""}${versionParam(o.protocol ?? "2")}`,
    publishFrame: (payload) => `{"type":"publish","data":${payload}}`,
  };
}

/**
 * A peer that needs no auth and broadcasts raw frames: started from its own wrangler config, each socket
 * at `path(room)`, ready once the handshake is done.
 */
export async function startPlain(o: {
  name: TargetName;
  config: string;
  path: (room: string) => string;
  inspectorPort?: number;
}): Promise<Target> {
  const server = await startDevServer({
    args: ["--config", o.config],
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
  });
  const base = server.url.replace(/^http/, "ws");
  return {
    name: o.name,
    server,
    get procs() {
      return devProcesses(server.port);
    },
    readyOn: "open",
    socketUrl: async (room) => `${base}${o.path(room)}`,
    publishFrame: (payload) => payload,
  };
}

/** The bare DO (bench/baseline), or with `assets` the same behind the static-assets router. */
export function startBare(
  o: { assets?: boolean; inspectorPort?: number; query?: string } = {},
): Promise<Target> {
  return startPlain({
    name: o.assets ? "bare+assets" : "bare",
    config: o.assets ? "bench/baseline/wrangler.assets.toml" : "bench/baseline/wrangler.toml",
    path: (room) => `/rooms/${room}/ws${o.query ?? ""}`,
    ...(o.inspectorPort ? { inspectorPort: o.inspectorPort } : {}),
  });
}

/** partyserver with hibernation (bench/partyserver): the same broadcast as the bare DO, through its API. */
export function startPartyserver(): Promise<Target> {
  return startPlain({
    name: "partyserver",
    config: "bench/partyserver/wrangler.toml",
    path: (room) => `/parties/rooms/${room}`,
  });
}
