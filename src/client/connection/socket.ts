// One WebSocket attempt: opens it, reports data and exactly one close, and sends size-checked frames.

import { errorMessage } from "../../shared/errors.ts";
import {
  CloseCode,
  type DirectSendFrame,
  type Limits,
  MAX_STATE_BYTES,
  type SignalSendFrame,
  type StateFrame,
} from "../../shared/protocol.ts";
import { utf8Length } from "../../shared/utf8.ts";
import { sizeError } from "../stream/frame-size.ts";
import { Pacer } from "../stream/pacer.ts";
import type { WebSocketFactory, WebSocketLike } from "../types.ts";
import { RoomcastError } from "../types.ts";
import { Keepalive } from "./keepalive.ts";
import { type ResumePoint, socketUrl } from "./url.ts";

const OPEN = 1;
/** How long a socket that fired `error` after opening may take to fire `close`. */
const ERROR_CLOSE_GRACE_MS = 1_000;

export interface ConnectionOptions {
  base: URL;
  room: string;
  token: string;
  resume: ResumePoint | null;
  /** Recent messages to replay; used only when `resume` is null. */
  rewind: number;
  createWebSocket: WebSocketFactory | undefined;
  /** No `welcome` this long after starting: give up on this attempt (reported as 1006). */
  connectTimeoutMs: number;
  onText: (text: string) => void;
  /** Binary frames, always as ArrayBuffer (a Node Buffer or a Blob is converted). */
  onBinary: (data: ArrayBuffer) => void;
  /** A frame the client cannot read at all. */
  onBadFrame: (problem: string) => void;
  /** Called once per connection; `opened`: whether the socket ever opened. */
  onClose: (code: number, reason: string, opened: boolean) => void;
}

/** The default factory: the platform's WebSocket (browsers, Node 22, Deno, Bun); `connect()` checked it exists. */
function platformWebSocket(url: string): WebSocketLike {
  // The DOM's WebSocket fits WebSocketLike; some libs' typings (Workers) omit the onX properties.
  const socket: object = new globalThis.WebSocket(url);
  return socket as WebSocketLike;
}

/** A live or closing socket, with the room's limits once the welcome arrived, and its keepalive. */
export class Connection {
  /** Set from `welcome`: paces publishes and counts direct/binary frames against the rate limit. */
  pacer: Pacer | null = null;
  maxMessageBytes: number | null = null;
  #keepalive: Keepalive | null = null;
  readonly #ws: WebSocketLike | null;
  #opened = false;
  #reported = false;
  #timer: ReturnType<typeof setTimeout> | null;
  readonly #options: ConnectionOptions;

  constructor(options: ConnectionOptions) {
    this.#options = options;
    const url = socketUrl(options.base, options.room, options.token, options.resume, options.rewind);
    let ws: WebSocketLike | null = null;
    try {
      ws = (options.createWebSocket ?? platformWebSocket)(url);
    } catch (err) {
      // Report asynchronously, like a socket that fails to connect, so the caller's state is settled first.
      const reason = `could not create a WebSocket: ${errorMessage(err)}`;
      queueMicrotask(() => this.#report(CloseCode.ABNORMAL, reason));
    }
    this.#ws = ws;
    this.#timer = setTimeout(() => this.abandon("connect timeout"), options.connectTimeoutMs);
    if (!ws) return;
    // Blob is the browser default; ArrayBuffer arrives synchronously and keeps frame order.
    ws.binaryType = "arraybuffer";
    ws.onopen = () => {
      this.#opened = true;
    };
    ws.onmessage = (ev) => {
      if (this.#reported) return;
      // Any frame proves the connection is alive, not only `pong`.
      this.#keepalive?.pong();
      this.#deliver(ev.data);
    };
    ws.onclose = (ev) => this.#report(ev.code, ev.reason);
    ws.onerror = () => this.#onError();
  }

  isOpen(): boolean {
    return !this.#reported && this.#ws?.readyState === OPEN;
  }

  /** The welcome arrived: the attempt succeeded; the room's limits apply from now on. */
  welcomed(limits: Limits): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    this.pacer = new Pacer(limits.ratePerSecond, Date.now());
    this.maxMessageBytes = limits.maxMessageBytes;
  }

  /** After `synced`: `ping` now and every idleTimeoutSeconds/2; a missing `pong` abandons the socket. */
  startKeepalive(limits: Limits, pongTimeoutMs: number): void {
    this.#keepalive?.stop();
    this.#keepalive = new Keepalive({
      intervalMs: (limits.idleTimeoutSeconds * 1000) / 2,
      pongTimeoutMs,
      send: (text) => this.send(text),
      // A dead connection may never deliver its close event: abandon it and reconnect now.
      onDead: () => this.abandon("keepalive timeout"),
    });
    this.#keepalive.start();
  }

  send(data: string | ArrayBuffer | Uint8Array): void {
    if (!this.#ws || !this.isOpen()) throw new RoomcastError("closed", "the socket is not open");
    this.#ws.send(data);
  }

  /** Closes the socket; codes a browser refuses (not 1000 or 3000–4999) fall back to a plain close. */
  close(code: number, reason: string): void {
    if (!this.#ws) return;
    try {
      this.#ws.close(code, reason);
    } catch {
      this.#ws.close();
    }
  }

  /** Stops listening: later events of this socket are ignored. */
  dispose(): void {
    this.#reported = true;
    this.#keepalive?.stop();
    this.#keepalive = null;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  /**
   * Gives up on a socket that may never report its own close (a dead network path): closes it, ignores
   * its later events, and reports 1006 now.
   */
  abandon(reason: string): void {
    if (this.#reported) return;
    this.dispose();
    this.close(CloseCode.ABANDONED, reason);
    this.#options.onClose(CloseCode.ABNORMAL, reason, this.#opened);
  }

  /**
   * Per the WHATWG spec an error event is followed by a close event, but Node 22's built-in WebSocket
   * (undici, nodejs/undici#3546) fires only `error` when the upgrade is refused. Before opening, an
   * error therefore ends the attempt at once (browsers would report 1006 anyway); after opening, the
   * close event gets a moment to arrive before the socket is abandoned.
   */
  #onError(): void {
    if (!this.#opened) {
      this.#report(CloseCode.ABNORMAL, "connection failed");
      return;
    }
    if (this.#reported || this.#timer !== null) return;
    this.#timer = setTimeout(() => this.abandon("error without close"), ERROR_CLOSE_GRACE_MS);
  }

  #deliver(data: unknown): void {
    if (typeof data === "string") {
      this.#options.onText(data);
      return;
    }
    const buf = toArrayBuffer(data);
    if (buf === null) {
      this.#options.onBadFrame("binary frame of an unknown type");
      return;
    }
    if (buf instanceof ArrayBuffer) {
      this.#options.onBinary(buf);
      return;
    }
    buf.then(
      (b) => {
        if (!this.#reported) this.#options.onBinary(b);
      },
      (err: unknown) => this.#options.onBadFrame(`unreadable binary frame: ${errorMessage(err)}`),
    );
  }

  #report(code: number, reason: string): void {
    if (this.#reported) return;
    this.dispose();
    this.#options.onClose(code, reason, this.#opened);
  }
}

/** Opens one connection attempt. */
export function openConnection(options: ConnectionOptions): Connection {
  return new Connection(options);
}

function checkSize(conn: Connection, bytes: number, what: string): void {
  const error = sizeError(what, bytes, conn.maxMessageBytes);
  if (error) throw error;
}

/** Sends a direct frame now (not queued). */
export function sendDirect(conn: Connection, to: string, data: unknown, id: string): void {
  const frame: DirectSendFrame = { type: "direct", to, data, id };
  const text = JSON.stringify(frame);
  checkSize(conn, utf8Length(text), "direct frame");
  conn.send(text);
  conn.pacer?.force(Date.now());
}

/** Sends a signal now (not queued, not paced: the room gives signals their own budget). */
export function sendSignal(conn: Connection, data: unknown, to: string | undefined): void {
  const frame: SignalSendFrame = to === undefined ? { type: "signal", data } : { type: "signal", data, to };
  const text = JSON.stringify(frame);
  checkSize(conn, utf8Length(text), "signal");
  conn.send(text);
}

/** A `too_large` error when a presence state is over the contract's 1,024 bytes of JSON. */
export function stateSizeError(data: unknown): RoomcastError | null {
  const bytes = utf8Length(JSON.stringify(data ?? null));
  if (bytes <= MAX_STATE_BYTES) return null;
  return new RoomcastError(
    "too_large",
    `state is ${bytes} bytes of JSON, the room allows ${MAX_STATE_BYTES}`,
  );
}

/** Sends the user's presence state now; it costs a token of the room's rate limit like a publish. */
export function sendState(conn: Connection, data: unknown): void {
  const frame: StateFrame = { type: "state", data: data ?? null };
  conn.send(JSON.stringify(frame));
  conn.pacer?.force(Date.now());
}

/** Sends a binary frame now (not queued). */
export function sendBinaryFrame(conn: Connection, data: ArrayBuffer | Uint8Array): void {
  checkSize(conn, data.byteLength, "binary frame");
  conn.send(data);
  conn.pacer?.force(Date.now());
}

/** Binary payloads as ArrayBuffer: synchronously when possible (keeps order), a Promise for a Blob. */
export function toArrayBuffer(data: unknown): ArrayBuffer | Promise<ArrayBuffer> | null {
  if (data instanceof ArrayBuffer) return data;
  if (ArrayBuffer.isView(data)) {
    // A Node Buffer is a view into a shared pool: copy exactly its bytes.
    const copy = new Uint8Array(data.byteLength);
    copy.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return copy.buffer;
  }
  if (typeof Blob === "function" && data instanceof Blob) return data.arrayBuffer();
  return null;
}
