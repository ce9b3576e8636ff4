// Public types of the roomcast client library: options, connection states, events and errors.
import type {
  AckFrame,
  DirectFrame,
  FrameErrorCode,
  HistoryPage,
  HttpErrorCode,
  Member,
  MessageFrame,
  PresenceFrame,
  RefreshedFrame,
  SignalFrame,
  UserRef,
  WelcomeFrame,
} from "../shared/protocol.ts";

/** Anything shaped like the WHATWG WebSocket constructor: the browser's, Node 22's global, or `ws`. */
export interface WebSocketLike {
  readonly readyState: number;
  binaryType: string;
  send(data: string | ArrayBufferLike | ArrayBufferView): void;
  close(code?: number, reason?: string): void;
  onopen: Handler<unknown> | null;
  onmessage: Handler<{ data: unknown }> | null;
  onclose: Handler<{ code: number; reason: string; wasClean?: boolean }> | null;
  onerror: Handler<unknown> | null;
}

/**
 * An event handler property. Declared through a method so its parameter is checked bivariantly:
 * the DOM's `WebSocket` (handlers take `MessageEvent`, `CloseEvent`) and `ws` then fit without casts.
 */
export type Handler<E> = { bivarianceHack(ev: E): void }["bivarianceHack"];
export type WebSocketFactory = (url: string) => WebSocketLike;

/**
 * A token, or a function that returns a fresh one. The function is called on every (re)connect and,
 * for a JWT with `exp`, ahead of expiry to refresh the open connection in band (no reconnect).
 */
export type TokenSource = string | (() => string | Promise<string>);

export interface BackoffOptions {
  /** First retry delay ceiling in ms (default 500). */
  baseMs?: number;
  /** Largest delay ceiling in ms (default 30 000). */
  capMs?: number;
  /** Give up after this many consecutive failed attempts (default Infinity). */
  maxAttempts?: number;
}

export interface ConnectOptions {
  /** The worker's base URL: http(s):// or ws(s)://, e.g. "http://127.0.0.1:8787". */
  url: string;
  room: string;
  token: TokenSource;
  /** Resume point to start from (e.g. persisted by the app): both or neither. */
  since?: number;
  epoch?: string;
  /**
   * How many recent messages to replay on the FIRST connection, when the client has no resume point
   * (no `since`/`epoch` given and nothing received yet): an integer 0–1 000 000, sent as `?rewind=N`.
   * They arrive as ordinary `message` events before `synced`. Ignored once the client has a resume
   * point: reconnects always resume with `since`/`epoch`. Default 0 (live messages only).
   */
  rewind?: number;
  /** How to open a socket; default `new globalThis.WebSocket(url)`. Node CLI passes one built on `ws`. */
  createWebSocket?: WebSocketFactory;
  /** fetch used for `GET /auth/check` diagnosis; default globalThis.fetch. */
  fetch?: typeof fetch;
  backoff?: BackoffOptions;
  /** Publishes waiting for a connection or an ack, at most (default 1000). Overflow rejects with `queue_full`. */
  queueLimit?: number;
  /** A publish not acked within this many ms of being sent rejects with `timeout` (default 10 000). */
  ackTimeoutMs?: number;
  /** No `pong` within this many ms of a `ping` means the connection is dead (default 10 000). */
  pongTimeoutMs?: number;
  /** No `welcome` within this many ms of starting to connect counts as a failed attempt (default 15 000). */
  connectTimeoutMs?: number;
  /** Random source in [0, 1) for jitter (tests). */
  random?: () => number;
}

export type ConnectionState =
  | { status: "connecting"; attempt: number }
  | { status: "open" }
  | { status: "reconnecting"; attempt: number; delayMs: number; code: number; reason: string }
  | { status: "closed"; code: number; reason: string; error?: RoomcastError };

export interface SyncedEvent {
  seq: number;
  replayed: number;
  gap: boolean;
}

/**
 * Events and their payloads, for `client.on(name, listener)`. `TMessage` and `TDirect` type the
 * `data` of `message` and `direct` events, `TState` the members' `state` (see
 * `connect<TMessage, TDirect, TState>()`).
 */
export interface ClientEvents<TMessage = unknown, TDirect = unknown, TState = unknown> {
  state: ConnectionState;
  welcome: WelcomeFrame;
  synced: SyncedEvent;
  message: MessageFrame<TMessage>;
  direct: DirectFrame<TDirect>;
  presence: PresenceFrame;
  /** Ephemeral data from another connection (cursors, typing): never stored, never replayed. */
  signal: SignalFrame;
  /** The open connection now runs on a refreshed token. */
  refreshed: RefreshedFrame;
  /** The member list after every welcome and presence change. */
  members: Member<TState>[];
  /**
   * A publish of this client was stored: its `id` and `seq`, and `data` when the room's `onPublish`
   * hook changed it (what everyone else received). Emitted before `publish()` resolves.
   */
  ack: AckFrame;
  binary: ArrayBuffer;
  /** An `error` frame not tied to a pending publish, or a client-side failure. */
  error: RoomcastError;
}

/**
 * Codes of RoomcastError: the server's error-frame and HTTP codes, plus client-side ones
 * (`queue_full`, `timeout`, `closed`, `network`, `too_big`, `bad_frame`, `bad_options`).
 */
export type RoomcastErrorCode =
  | FrameErrorCode
  | HttpErrorCode
  | "queue_full"
  | "timeout"
  | "closed"
  | "network"
  | "too_big"
  /** Closed with 4403: kicked or banned from the room; the message is the server's reason. */
  | "kicked"
  /** The server sent a frame the client could not parse. */
  | "bad_frame"
  /** `connect()` was called with options it cannot use (thrown at once, never emitted). */
  | "bad_options";

/** What else a RoomcastError carries, each only when it applies. */
export interface RoomcastErrorOptions {
  /** The close code that ended the connection. */
  closeCode?: number | undefined;
  /** The `id` of the publish or direct frame the error is about. */
  id?: string | undefined;
  /** The underlying error (a failed token function, a socket constructor that threw). */
  cause?: unknown;
}

/**
 * The one error type of the client library: refused publishes, closes, failed diagnoses, and misuse of
 * `connect()` (code `bad_options`, or `bad_room` for an invalid room name).
 *
 * ```ts
 * new RoomcastError("closed", "the client closed", { closeCode: 1000, id });
 * ```
 */
export class RoomcastError extends Error {
  readonly code: RoomcastErrorCode;
  // `declare`: absent (not undefined) unless given, so errors compare and serialize by what they carry.
  /** The close code that ended the connection, when there was one. */
  declare readonly closeCode?: number;
  /** The `id` of the publish or direct frame the server refused, when there was one. */
  declare readonly id?: string;
  constructor(code: RoomcastErrorCode, message: string, options: RoomcastErrorOptions = {}) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "RoomcastError";
    this.code = code;
    if (options.closeCode !== undefined) this.closeCode = options.closeCode;
    if (options.id !== undefined) this.id = options.id;
  }
}

/**
 * The connected room as the app sees it. Created by `connect<TMessage, TDirect, TState>(options)`:
 * `TMessage` types what `publish` takes and what `message` events and history pages carry, `TDirect`
 * what `direct` takes and `direct` events carry, `TState` the members' presence state. The types are
 * a promise the app makes about its own room: the server relays any JSON, so validate data from
 * untrusted publishers.
 */
export interface RoomClient<TMessage = unknown, TDirect = unknown, TState = unknown> {
  readonly state: ConnectionState;
  readonly user: UserRef | null;
  readonly members: Member<TState>[];
  /** Resume point: epoch and the last seq delivered to the app. */
  readonly epoch: string | null;
  readonly seq: number | null;
  on<K extends keyof ClientEvents<TMessage, TDirect, TState>>(
    event: K,
    listener: (payload: ClientEvents<TMessage, TDirect, TState>[K]) => void,
  ): () => void;
  /**
   * Scroll-back over HTTP: up to `limit` (1–1,000, default 100) retained messages before seq `before`
   * (or the newest), newest first; `more: false` once the oldest retained message is reached.
   */
  history(options?: { before?: number; limit?: number }): Promise<HistoryPage<TMessage>>;
  /** Publish; resolves with the message's seq once durable. Queued while offline, resent with the same id. */
  publish(data: TMessage, options?: { id?: string }): Promise<number>;
  /**
   * Direct message to every connection of a user in the room (not stored, not queued). Returns the
   * frame's id (an `error` event for it carries the same `id`). Throws RoomcastError `closed` when not
   * open, `too_big` above `limits.maxMessageBytes`.
   */
  direct(to: string, data: TDirect): string;
  /**
   * Signal (cursor, typing…) to every other connection in the room, or with `to` to every connection of
   * that user: not stored, not queued, no ack. The room drops signals above its own signal rate. Throws
   * like `direct`.
   */
  signal(data: unknown, options?: { to?: string }): void;
  /**
   * Sets this user's presence state in the room (any JSON, at most 1,024 bytes serialised; `null`
   * clears it). Sent now when open, otherwise once connected, and again after every reconnect. Throws
   * RoomcastError `too_large` above the limit and `closed` once the client is closed.
   */
  setState(data: TState | null): void;
  /**
   * Refreshes the open connection's token in band now (no reconnect): with `token`, or with a new one
   * from the token function. The answer is a `refreshed` event, or an `error` and a reconnect when the
   * server refuses. A token given here and accepted is also used for later reconnects. Throws
   * RoomcastError `closed` when not open.
   */
  refresh(token?: string): void;
  /** Binary frame relayed to every other socket in the room (not stored, not queued). Throws like `direct`. */
  sendBinary(data: ArrayBuffer | Uint8Array): void;
  /** Close with 1000 and stop reconnecting; pending publishes reject with `closed`. */
  close(code?: number, reason?: string): void;
  /** Resolves when the first `synced` arrives (or rejects when the client closes first). */
  ready(): Promise<void>;
}
