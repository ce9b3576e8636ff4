// The roomcast wire contract (v1) as types and constants: shared by the worker, the room and every client.

/** Room names the worker accepts: anything else is `400 bad_room`. */
export const ROOM_NAME = /^[A-Za-z0-9._-]{1,64}$/;

/** Largest `?rewind=N` (recent messages replayed on a first join). */
export const MAX_REWIND = 1_000_000;

/** Bytes a rendered `message` frame may exceed `MAX_MESSAGE_BYTES` by (envelope, `from`, a longer `data`). */
export const RENDER_ALLOWANCE = 4096;

/** `GET /rooms/:room/messages`: largest and default `limit`. */
export const MAX_HISTORY_PAGE = 1000;
export const DEFAULT_HISTORY_PAGE = 100;

/** Longest client idempotency key (`id` on publish/direct). */
export const MAX_ID_LENGTH = 64;

/** Longest user id (the token's `sub`, a direct frame's `to`). */
export const MAX_USER_ID_LENGTH = 64;

/** Largest presence state, as serialised JSON (UTF-8 bytes). */
export const MAX_STATE_BYTES = 1024;

/**
 * Most presence state (characters of JSON, all members together) one `welcome` or room info lists;
 * members past it are listed with `state: null, stateOmitted: true`.
 */
export const MAX_LISTED_STATE_CHARS = 65_536;

/** Longest kick reason (characters) and ban (seconds, 30 days) for `POST /rooms/:room/kick`. */
export const MAX_KICK_REASON = 120;
export const MAX_BAN_SECONDS = 2_592_000;

/**
 * Wire protocol versions a client may ask for with `?v=` on the upgrade; no `v` is version 1. Version 2
 * differs in one frame: when a connect replays nothing, its `welcome` carries the `synced` state
 * (`welcome.synced`) and no separate `synced` frame follows.
 */
export const PROTOCOL_VERSIONS = ["1", "2"] as const;
/** The version whose `welcome` carries `synced` when nothing is replayed (what the client library asks for). */
export const SYNCED_IN_WELCOME = "2";

/** The keepalive frames, answered by the runtime without waking the room. */
export const PING = "ping";
export const PONG = "pong";

/** Close codes of the contract; the server's application codes are 4000 + HTTP status. */
export const CloseCode = {
  NORMAL: 1000,
  GOING_AWAY: 1001,
  PROTOCOL_ERROR: 1002,
  ABNORMAL: 1006,
  TOO_BIG: 1009,
  SERVER_ERROR: 1011,
  TOKEN_EXPIRED: 4401,
  KICKED: 4403,
  IDLE: 4408,
  FLOODING: 4429,
  /** The socket was sent MAX_UNREAD_BYTES it did not confirm reading (it answers no `mark`). */
  TOO_FAR_BEHIND: 4413,
  /** Sent by the client library when it gives up on a socket that stopped answering. */
  ABANDONED: 4000,
} as const satisfies Record<string, number>;

export const CAPABILITIES = ["read", "write", "admin"] as const;
export type Capability = (typeof CAPABILITIES)[number];

export interface UserRef {
  id: string;
  name: string | null;
}

/** A user in the room; `TState` is the app's presence state type (the client's `connect<…, TState>()`). */
export interface Member<TState = unknown> extends UserRef {
  connections: number;
  /** The user's presence state in this room (set with a `state` frame), `null` when unset. */
  state: TState | null;
  /** The state was left out of this list (MAX_LISTED_STATE_CHARS): unknown until the next `update`. */
  stateOmitted?: true;
}

export interface Limits {
  maxMessageBytes: number;
  idleTimeoutSeconds: number;
  ratePerSecond: number;
}

/** Error codes carried by `error` frames; the connection stays open. */
export const FRAME_ERROR_CODES = [
  "bad_message",
  "forbidden",
  "no_such_user",
  "rate_limited",
  "too_large",
  "unauthorized",
  "overloaded",
  /** the room's `onPublish` hook refused the publish; the message says why */
  "rejected",
  /** the room's hook failed or overran its time budget; nothing was stored */
  "internal",
] as const;
export type FrameErrorCode = (typeof FRAME_ERROR_CODES)[number];

/** Error codes carried by HTTP error bodies `{"error":{"code","message"}}`. */
export const HTTP_ERROR_CODES = [
  "misconfigured",
  "bad_room",
  "bad_request",
  "upgrade_required",
  "origin_not_allowed",
  "unauthorized",
  "forbidden",
  "banned",
  "room_full",
  "too_many_connections",
  "rate_limited",
  "epoch_mismatch",
  "overloaded",
  "unavailable",
  "not_found",
  "too_large",
  "internal",
  /** the room's `onPublish` (HTTP publish, 422) or `onJoin` (upgrade, 403) hook refused */
  "rejected",
] as const;
export type HttpErrorCode = (typeof HTTP_ERROR_CODES)[number];

export interface HttpErrorBody {
  error: { code: HttpErrorCode; message: string };
}

// ---- server → client ----

export interface WelcomeFrame {
  type: "welcome";
  room: string;
  epoch: string;
  seq: number;
  connectionId: string;
  user: UserRef;
  /** At most `PRESENCE_LIMIT` users; `membersTotal` counts them all. */
  members: Member[];
  membersTotal: number;
  limits: Limits;
  /**
   * Protocol version 2 only, when nothing is replayed: the `synced` this connect would otherwise send
   * next (without its `type`). The live stream starts right after this welcome.
   */
  synced?: Omit<SyncedFrame, "type">;
}

export interface SyncedFrame {
  type: "synced";
  seq: number;
  replayed: number;
  gap: boolean;
  /** Retained messages were left out by the replay budget: fetch `next…seq` over HTTP history. */
  more: boolean;
  /** With `more`: the first seq not replayed. */
  next?: number;
}

export interface AckFrame {
  type: "ack";
  id: string | null;
  seq: number;
  duplicate?: true;
  /** the data as stored, when the room's `onPublish` hook changed it (everyone else got this data) */
  data?: unknown;
}

/** A stored message; `T` is the app's message type (the client's `connect<TMessage>()`). */
export interface MessageFrame<T = unknown> {
  type: "message";
  seq: number;
  id?: string;
  from: UserRef;
  data: T;
  ts: number;
}

/** Coalesced delivery (`?batch=1`): consecutive messages in seq order, each as it would be sent alone. */
export interface BatchFrame<T = unknown> {
  type: "batch";
  messages: MessageFrame<T>[];
}

/** A direct message; `T` is the app's direct type (the client's `connect<TMessage, TDirect>()`). */
export interface DirectFrame<T = unknown> {
  type: "direct";
  from: UserRef;
  data: T;
  ts: number;
  id?: string;
}

export type PresenceFrame =
  | { type: "presence"; event: "join" | "leave"; user: UserRef; members: number }
  | { type: "presence"; event: "update"; user: UserRef; state: unknown; members: number }
  /** Instead of join/leave/update while the room holds more than `PRESENCE_LIMIT` users. */
  | { type: "presence"; event: "count"; members: number };

/**
 * To `?batch=1` sockets instead of join/leave frames: the net change over a short interval (users in
 * `leaves` left, then users in `joins` joined); `members` = distinct users after it. The client library
 * turns it back into join/leave events.
 */
export interface PresenceDiffFrame {
  type: "presence";
  event: "diff";
  joins: UserRef[];
  leaves: UserRef[];
  members: number;
}

/** A relayed signal: not stored, no seq. */
export interface SignalFrame {
  type: "signal";
  from: UserRef;
  data: unknown;
  ts: number;
}

/** The answer to a `refresh`: this connection now runs on the new token. */
export interface RefreshedFrame {
  type: "refreshed";
  /** seconds since the epoch */
  exp: number;
  capabilities: Capability[];
}

export interface ErrorFrame {
  type: "error";
  code: FrameErrorCode;
  message: string;
  id?: string;
}

/**
 * Asks the client to confirm it read everything up to here: it answers `{"type":"read","n"}` at once.
 * A socket that leaves MAX_UNREAD_BYTES unconfirmed is closed 4413.
 */
export interface MarkFrame {
  type: "mark";
  n: number;
}

export type ServerFrame =
  | WelcomeFrame
  | MarkFrame
  | SyncedFrame
  | AckFrame
  | MessageFrame
  | BatchFrame
  | DirectFrame
  | PresenceFrame
  | PresenceDiffFrame
  | SignalFrame
  | RefreshedFrame
  | ErrorFrame;

// ---- client → server ----

export interface PublishFrame {
  type: "publish";
  data: unknown;
  id?: string;
}

export interface DirectSendFrame {
  type: "direct";
  to: string;
  data: unknown;
  id?: string;
}

/** Ephemeral data to the room (or to every socket of `to`): not stored, no seq, no ack. */
export interface SignalSendFrame {
  type: "signal";
  data: unknown;
  to?: string;
}

/** Sets the user's presence state in this room. */
export interface StateFrame {
  type: "state";
  data: unknown;
}

/** Replaces this connection's token without reconnecting. */
export interface RefreshFrame {
  type: "refresh";
  token: string;
}

/** The answer to a `mark`: everything the server sent before it was read. */
export interface ReadFrame {
  type: "read";
  n: number;
}

export type ClientFrame =
  | PublishFrame
  | DirectSendFrame
  | SignalSendFrame
  | StateFrame
  | RefreshFrame
  | ReadFrame;

/** `POST /rooms/:room/kick` answer: how many sockets were closed. */
export interface KickResult {
  closed: number;
}

/** Room info from `GET /rooms/:room` (admin). */
export interface RoomInfo {
  room: string;
  epoch: string;
  seq: number;
  connections: number;
  /** At most `PRESENCE_LIMIT` users; `membersTotal` counts them all. */
  members: Member[];
  membersTotal: number;
  history: { oldest: number | null; newest: number | null; count: number };
}

/** One live room in `GET /rooms` (and in a room's report to the directory). Times in ms since the epoch. */
export interface RoomEntry {
  room: string;
  /** open sockets (a sharded room: on all its shards) */
  sockets: number;
  /** distinct users */
  users: number;
  /** the last assigned seq */
  seq: number;
  /** messages committed in the 60 s before the report */
  messagesLastMinute: number;
  sharded: boolean;
  /** the last connect, close or publish the room saw */
  lastActivity: number;
  /** when the room sent this report */
  reportedAt: number;
}

/** `GET /rooms` answer: rooms sorted by name; `next` is the `after` of the next page, null on the last. */
export interface RoomsPage {
  rooms: RoomEntry[];
  next: string | null;
}

/** `GET /rooms/:room/messages` answer. */
export interface HistoryPage<T = unknown> {
  room: string;
  epoch: string;
  seq: number;
  /** `after`: oldest first; `before` or neither: newest first. */
  messages: MessageFrame<T>[];
  more: boolean;
  gap: boolean;
}

/** `GET /auth/check` answer. */
export interface AuthCheck {
  user: UserRef;
  room: string;
  capabilities: Capability[];
  exp: number;
}
