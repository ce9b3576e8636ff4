// Helpers for tests inside the Workers runtime: tokens, sockets through the worker, awaited frames,
// and socket attachments aged as time passing would. Runtime-neutral helpers live in test/support/.
import { runInDurableObject } from "cloudflare:test";
import { env, exports } from "cloudflare:workers";
import type { Room } from "../../src/room/room.ts";
import { writeState } from "../../src/room/sockets/socket-state.ts";
import type { ServerFrame } from "../../src/shared/protocol.ts";
import { nowSeconds, RUNTIME_SECRET, signClaims } from "../support/tokens.ts";

export { uniqueRoom } from "../support/names.ts";
export { nowSeconds };

export const SECRET = RUNTIME_SECRET;
export const BASE = "http://roomcast.test";

export interface TokenClaims {
  sub?: string;
  name?: string;
  rooms?: unknown;
  exp?: number;
  nbf?: number;
  [k: string]: unknown;
}

/** Signs an HS256 token; defaults: read+write on every room, 1 hour. Pass `exp: undefined` to omit it. */
export async function token(claims: TokenClaims = {}, secret = SECRET): Promise<string> {
  const payload: Record<string, unknown> = {
    sub: "ann",
    rooms: { "*": ["read", "write"] },
    exp: nowSeconds() + 3600,
    ...claims,
  };
  for (const k of Object.keys(payload)) if (payload[k] === undefined) delete payload[k];
  return signClaims(payload, { secret });
}

/**
 * Moves the sockets' last activity (`seen`) or token expiry (`exp`) `byMs` into the past, as time
 * passing would: one user's sockets, or every socket in the room. Through `Room.liveSockets()`, the
 * room's in-memory state, and the attachment too (so it also holds after an eviction).
 */
export async function age(room: string, field: "seen" | "exp", byMs: number, user?: string): Promise<void> {
  await runInDurableObject(roomStub(room), (r: Room) => {
    for (const [ws, s] of r.liveSockets()) {
      if (user !== undefined && s.userId !== user) continue;
      s[field] -= byMs;
      writeState(ws, s);
    }
  });
}

export function roomStub(room: string) {
  return env.ROOMS.getByName(room);
}

/** A request to the worker. */
export function call(path: string, init: RequestInit = {}): Promise<Response> {
  return exports.default.fetch(new Request(`${BASE}${path}`, init));
}

type Frame = ServerFrame | { type: "binary"; data: ArrayBuffer } | { type: "pong" };

/**
 * A client socket opened through the worker, with awaitable frames and close. Workers-runtime only
 * (`response.webSocket` + `accept()`); the e2e suite's TestSocket speaks `ws` over TCP instead.
 */
export class TestSocket {
  readonly ws: WebSocket;
  readonly #frames: Frame[] = [];
  #waiter: (() => void) | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  /**
   * `reads` (the default): like the client library, answers every `mark` at once and keeps it out of
   * the frames; false: a client that reads nothing back, whose marks are left unanswered but listed.
   */
  constructor(ws: WebSocket, { reads = true }: { reads?: boolean } = {}) {
    this.ws = ws;
    ws.binaryType = "arraybuffer";
    this.closed = new Promise((resolve) => {
      ws.addEventListener("close", (e) => resolve({ code: e.code, reason: e.reason }));
    });
    ws.addEventListener("message", (e) => {
      const d: unknown = e.data;
      if (typeof d === "string") {
        const f = d === "pong" ? ({ type: "pong" } as const) : (JSON.parse(d) as Frame);
        if (reads && f.type === "mark") this.send({ type: "read", n: f.n });
        else this.#frames.push(f);
      } else if (d instanceof ArrayBuffer) this.#frames.push({ type: "binary", data: d });
      this.#waiter?.();
    });
    ws.accept();
  }

  /** The next frame, whatever its type; rejects after `ms`. */
  async next(ms = 3000): Promise<Frame> {
    const deadline = Date.now() + ms;
    while (this.#frames.length === 0) {
      await new Promise<void>((resolve, reject) => {
        const t = setTimeout(
          () => reject(new Error(`no frame within ${ms} ms`)),
          Math.max(1, deadline - Date.now()),
        );
        this.#waiter = () => {
          clearTimeout(t);
          this.#waiter = null;
          resolve();
        };
      });
    }
    return this.#frames.shift() as Frame;
  }

  /** The next frame, which must be of this type. */
  async expect<T extends Frame["type"]>(type: T, ms = 3000): Promise<Extract<Frame, { type: T }>> {
    const f = await this.next(ms);
    if (f.type !== type) throw new Error(`expected a ${type} frame, got ${JSON.stringify(f)}`);
    return f as Extract<Frame, { type: T }>;
  }

  /** Frames received and not yet consumed. */
  pending(): Frame[] {
    return [...this.#frames];
  }

  send(frame: unknown): void {
    this.ws.send(typeof frame === "string" || frame instanceof ArrayBuffer ? frame : JSON.stringify(frame));
  }

  /** Resolves with the close event, or rejects after `ms`. */
  async waitClose(ms = 3000): Promise<{ code: number; reason: string }> {
    return Promise.race([
      this.closed,
      new Promise<never>((_, reject) =>
        setTimeout(() => reject(new Error(`socket not closed within ${ms} ms`)), ms),
      ),
    ]);
  }

  close(code = 1000): void {
    try {
      this.ws.close(code);
    } catch {
      // already closed
    }
  }
}

export interface JoinOptions {
  token?: string;
  query?: string;
  headers?: Record<string, string>;
  /** false: never answer the room's `mark` frames (a reader that fell behind) */
  reads?: boolean;
}

/** Opens a socket to the room; returns the Response when the upgrade is refused. */
export async function open(room: string, o: JoinOptions = {}): Promise<TestSocket | Response> {
  const tok = o.token ?? (await token());
  const res = await call(`/rooms/${room}/ws${o.query ? `?${o.query}` : ""}`, {
    headers: { Upgrade: "websocket", Authorization: `Bearer ${tok}`, ...o.headers },
  });
  const ws = res.webSocket;
  return ws ? new TestSocket(ws, { reads: o.reads ?? true }) : res;
}

/** Opens a socket and consumes welcome (and replay) up to synced. */
export async function join(room: string, o: JoinOptions = {}) {
  const r = await open(room, o);
  if (r instanceof Response) throw new Error(`upgrade refused: ${r.status} ${await r.text()}`);
  const welcome = await r.expect("welcome");
  const replay: Extract<Frame, { type: "message" }>[] = [];
  for (;;) {
    const f = await r.next();
    if (f.type === "synced") return { socket: r, welcome, synced: f, replay };
    if (f.type !== "message") throw new Error(`unexpected frame before synced: ${JSON.stringify(f)}`);
    replay.push(f);
  }
}

export async function errorOf(res: Response): Promise<{ status: number; code: string; message: string }> {
  const body = (await res.json()) as { error: { code: string; message: string } };
  return { status: res.status, code: body.error.code, message: body.error.message };
}
