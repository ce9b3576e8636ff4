// A `ws` client wrapper for black-box tests: buffers frames, awaits them by type, awaits the close.

import { randomBytes } from "node:crypto";
import type { IncomingMessage } from "node:http";
import WebSocket from "ws";
import type { ServerFrame } from "../../../src/shared/protocol.ts";

/** Default wait for a frame or a close before a helper rejects. */
export const DEFAULT_TIMEOUT_MS = 4000;

export type ServerFrameType = ServerFrame["type"];
export type FrameOf<T extends ServerFrameType> = Extract<ServerFrame, { type: T }>;

/** One received frame: parsed JSON object, other text (e.g. `pong`), or binary. */
export type Received =
  | { kind: "json"; type: string; value: Record<string, unknown>; text: string }
  | { kind: "text"; text: string }
  | { kind: "binary"; bytes: Buffer };

export interface CloseInfo {
  code: number;
  reason: string;
}

/** A refused upgrade: the HTTP status and body the server answered instead of `101`. */
export class HandshakeError extends Error {
  readonly status: number;
  readonly body: string;
  readonly contentType: string;
  constructor(status: number, body: string, contentType: string) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
    this.name = "HandshakeError";
    this.status = status;
    this.body = body;
    this.contentType = contentType;
  }
  /** The body parsed as JSON, or the raw text if it is not JSON. */
  json(): unknown {
    try {
      return JSON.parse(this.body);
    } catch {
      return this.body;
    }
  }
}

export interface OpenOptions {
  /** Sent as `Authorization: Bearer …` unless `tokenInQuery`. */
  token?: string;
  tokenInQuery?: boolean;
  since?: number | string;
  epoch?: string;
  origin?: string;
  headers?: Record<string, string>;
  /** Extra query parameters. */
  query?: Record<string, string>;
  timeoutMs?: number;
  /**
   * true (the default): answer each `mark` with its `read`, as the client library does, and keep marks
   * out of the queue; false: leave marks unanswered and queued (a client that fell behind).
   */
  reads?: boolean;
}

interface Waiter {
  pick: (r: Received) => boolean;
  resolve: (r: Received) => void;
  reject: (e: Error) => void;
  timer: NodeJS.Timeout;
}

/** The `ws://…/rooms/:room/ws?…` URL for a room on a dev server. */
export function roomSocketUrl(baseUrl: string, room: string, o: OpenOptions = {}): string {
  const u = new URL(`/rooms/${room}/ws`, baseUrl.replace(/^http/, "ws"));
  if (o.token !== undefined && o.tokenInQuery) u.searchParams.set("token", o.token);
  if (o.since !== undefined) u.searchParams.set("since", String(o.since));
  if (o.epoch !== undefined) u.searchParams.set("epoch", o.epoch);
  for (const [k, v] of Object.entries(o.query ?? {})) u.searchParams.set(k, v);
  return u.toString();
}

function describe(r: Received): string {
  if (r.kind === "json") return r.text.length > 120 ? `${r.text.slice(0, 120)}…` : r.text;
  if (r.kind === "text") return JSON.stringify(r.text);
  return `<binary ${r.bytes.length} bytes>`;
}

/**
 * A connected test socket. Frames queue up until a `next…` call takes them. A `ws` socket over real
 * TCP to `wrangler dev`; test/helpers/runtime.ts has its own TestSocket because inside workerd a
 * socket comes from the worker's fetch (`response.webSocket`), with a different API.
 */
export class TestSocket {
  readonly ws: WebSocket;
  readonly label: string;
  private queue: Received[] = [];
  private waiters: Waiter[] = [];
  private closeInfo: CloseInfo | null = null;
  private closeWaiters: Array<(c: CloseInfo) => void> = [];

  private readonly reads: boolean;

  private constructor(ws: WebSocket, label: string, reads: boolean) {
    this.ws = ws;
    this.label = label;
    this.reads = reads;
    ws.on("message", (data, isBinary) => this.receive(data, isBinary));
    ws.on("close", (code, reason) => this.onClose({ code, reason: reason.toString() }));
  }

  /** Opens a socket; rejects with `HandshakeError` when the server answers anything but `101`. */
  static open(baseUrl: string, room: string, o: OpenOptions = {}, label = "socket"): Promise<TestSocket> {
    const headers: Record<string, string> = { ...o.headers };
    if (o.token !== undefined && !o.tokenInQuery) headers.authorization = `Bearer ${o.token}`;
    const url = roomSocketUrl(baseUrl, room, o);
    const ws = new WebSocket(url, { headers, ...(o.origin !== undefined ? { origin: o.origin } : {}) });
    ws.binaryType = "nodebuffer";
    // Attach before `open` so no early frame is lost.
    const sock = new TestSocket(ws, label, o.reads ?? true);
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        ws.terminate();
        reject(new Error(`${label}: no upgrade response from ${url} within ${timeoutMs} ms`));
      }, timeoutMs);
      ws.once("open", () => {
        clearTimeout(timer);
        resolve(sock);
      });
      ws.on("error", (e) => {
        clearTimeout(timer);
        reject(new Error(`${label}: socket error on ${url}: ${e.message}`));
      });
      ws.once("unexpected-response", (req, res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          clearTimeout(timer);
          req.destroy();
          const ct = String(res.headers["content-type"] ?? "");
          reject(new HandshakeError(res.statusCode ?? 0, Buffer.concat(chunks).toString("utf8"), ct));
        });
      });
    });
  }

  private receive(data: WebSocket.RawData, isBinary: boolean): void {
    let r: Received;
    const buf = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
    if (isBinary) {
      r = { kind: "binary", bytes: buf };
    } else {
      const text = buf.toString("utf8");
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== null && typeof parsed === "object" && !Array.isArray(parsed)) {
        const value = parsed as Record<string, unknown>;
        if (this.reads && value.type === "mark") {
          this.ws.send(JSON.stringify({ type: "read", n: value.n }));
          return;
        }
        r = { kind: "json", type: String(value.type), value, text };
      } else {
        r = { kind: "text", text };
      }
    }
    const w = this.waiters.find((x) => x.pick(r));
    if (w) {
      this.waiters.splice(this.waiters.indexOf(w), 1);
      clearTimeout(w.timer);
      w.resolve(r);
    } else {
      this.queue.push(r);
    }
  }

  private onClose(c: CloseInfo): void {
    this.closeInfo = c;
    for (const w of this.waiters.splice(0)) {
      clearTimeout(w.timer);
      w.reject(
        new Error(
          `${this.label}: closed with ${c.code} "${c.reason}" while waiting; queued: ${this.pending()}`,
        ),
      );
    }
    for (const cw of this.closeWaiters.splice(0)) cw(c);
  }

  /** Takes every frame received so far and not yet taken, in arrival order. */
  drain(): Received[] {
    return this.queue.splice(0);
  }

  /** Human-readable list of frames received but not yet taken (for failure messages). */
  pending(): string {
    return this.queue.length === 0 ? "(none)" : this.queue.map(describe).join(" | ");
  }

  /** Takes the first received frame matching `pick` (waiting up to `timeoutMs`). */
  take(pick: (r: Received) => boolean, what: string, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Received> {
    const i = this.queue.findIndex(pick);
    if (i !== -1) {
      const [r] = this.queue.splice(i, 1);
      if (r) return Promise.resolve(r);
    }
    if (this.closeInfo) {
      const c = this.closeInfo;
      return Promise.reject(
        new Error(
          `${this.label}: wanted ${what} but socket is closed (${c.code} "${c.reason}"); queued: ${this.pending()}`,
        ),
      );
    }
    return new Promise((resolve, reject) => {
      const w: Waiter = {
        pick,
        resolve,
        reject,
        timer: setTimeout(() => {
          this.waiters.splice(this.waiters.indexOf(w), 1);
          reject(
            new Error(
              `${this.label}: no ${what} within ${timeoutMs} ms; received instead: ${this.pending()}`,
            ),
          );
        }, timeoutMs),
      };
      this.waiters.push(w);
    });
  }

  /** The next JSON frame of this `type` (frames of other types stay queued). */
  async next<T extends ServerFrameType>(type: T, timeoutMs = DEFAULT_TIMEOUT_MS): Promise<FrameOf<T>> {
    const r = await this.take((x) => x.kind === "json" && x.type === type, `"${type}" frame`, timeoutMs);
    if (r.kind !== "json") throw new Error("unreachable");
    return r.value as unknown as FrameOf<T>;
  }

  /** The next frame of any kind, in arrival order. */
  nextAny(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Received> {
    return this.take(() => true, "frame", timeoutMs);
  }

  /** The next binary frame. */
  async nextBinary(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<Buffer> {
    const r = await this.take((x) => x.kind === "binary", "binary frame", timeoutMs);
    if (r.kind !== "binary") throw new Error("unreachable");
    return r.bytes;
  }

  /** The next non-JSON text frame (e.g. `pong`). */
  async nextText(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<string> {
    const r = await this.take((x) => x.kind === "text", "non-JSON text frame", timeoutMs);
    if (r.kind !== "text") throw new Error("unreachable");
    return r.text;
  }

  /** Resolves with the close code and reason; rejects if the socket is still open after `timeoutMs`. */
  closed(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<CloseInfo> {
    if (this.closeInfo) return Promise.resolve(this.closeInfo);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`${this.label}: still open after ${timeoutMs} ms; queued: ${this.pending()}`)),
        timeoutMs,
      );
      this.closeWaiters.push((c) => {
        clearTimeout(timer);
        resolve(c);
      });
    });
  }

  get isOpen(): boolean {
    return this.ws.readyState === WebSocket.OPEN;
  }

  /** Sends a JSON frame. */
  send(frame: unknown): void {
    this.ws.send(JSON.stringify(frame));
  }

  /** Sends raw text or bytes as-is. */
  sendRaw(data: string | Buffer): void {
    this.ws.send(data, { binary: typeof data !== "string" });
  }

  /** Sends `ping` and awaits `pong`. */
  async ping(timeoutMs = DEFAULT_TIMEOUT_MS): Promise<void> {
    this.ws.send("ping");
    const t = await this.nextText(timeoutMs);
    if (t !== "pong") throw new Error(`${this.label}: expected "pong", got ${JSON.stringify(t)}`);
  }

  /**
   * Writes a masked close frame with any 16-bit code straight to the TCP socket, bypassing `ws`'s
   * validation (it refuses codes like 1005 or 2999), to play a hostile client. Uses `ws` internals.
   */
  sendRawClose(code: number): void {
    const tcp = (this.ws as unknown as { _socket?: { write(b: Buffer): boolean } })._socket;
    if (!tcp) throw new Error(`${this.label}: no underlying TCP socket`);
    const payload = Buffer.alloc(2);
    payload.writeUInt16BE(code);
    const mask = randomBytes(4);
    const masked = Buffer.from(payload.map((b, i) => b ^ (mask[i % 4] ?? 0)));
    tcp.write(Buffer.concat([Buffer.from([0x88, 0x80 | payload.length]), mask, masked]));
  }

  close(code?: number, reason?: string): void {
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING)
      this.ws.close(code, reason);
  }

  /** Closes (if open) and waits for the close handshake, falling back to terminate. */
  async shutdown(timeoutMs = 3000): Promise<void> {
    if (this.closeInfo) return;
    this.close(1000);
    try {
      await this.closed(timeoutMs);
    } catch {
      this.ws.terminate();
    }
  }
}
