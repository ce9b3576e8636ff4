// Server settings from wrangler [vars], with the contract's defaults; shared by the worker and the room.

import { errorMessage } from "../shared/errors.ts";
import { DEFAULT_REPORT_SECONDS } from "./directory.ts";
import { type PlacementRule, parsePlacement } from "./placement.ts";
import { parseSharding, type ShardingSettings, type ShardingVars } from "./sharding.ts";

export interface Settings {
  /** Exact browser origins allowed; empty = same origin only; "*" = any. */
  allowedOrigins: string[];
  idleTimeoutSeconds: number;
  maxMessageBytes: number;
  ratePerSecond: number;
  /** Signals' own bucket (burst 2×); signals never use the main one. */
  signalRatePerSecond: number;
  historyLimit: number;
  maxConnectionsPerRoom: number;
  maxConnectionsPerUser: number;
  /** Above this many distinct users, presence is a throttled count and member lists are capped. */
  presenceLimit: number;
  /** Bytes of `message` frames one replay (or one HTTP history page) may carry. */
  maxReplayBytes: number;
  /** Time budget of one room hook call, ms (HOOK_TIMEOUT_MS). */
  hookTimeoutMs: number;
  /** "info": every connect/close/HTTP publish; "warn": only failures. */
  logLevel: LogLevel;
  /** SHARDED_ROOMS and ROOM_SHARDS (docs/sharding.md). */
  sharding: ShardingSettings;
  /** ROOM_PLACEMENT: where rooms' objects are created (a jurisdiction or a location hint). */
  placement: PlacementRule[];
  /** DIRECTORY_REPORT_SECONDS: a changing room reports to the room directory at most this often. */
  directoryReportSeconds: number;
}

export type LogLevel = "info" | "warn";

/** The raw [vars] as the runtime hands them over (strings, possibly missing). */
export interface SettingsVars extends ShardingVars {
  ALLOWED_ORIGINS?: string;
  IDLE_TIMEOUT_SECONDS?: string;
  MAX_MESSAGE_BYTES?: string;
  RATE_PER_SECOND?: string;
  SIGNAL_RATE_PER_SECOND?: string;
  HISTORY_LIMIT?: string;
  MAX_CONNECTIONS_PER_ROOM?: string;
  MAX_CONNECTIONS_PER_USER?: string;
  PRESENCE_LIMIT?: string;
  MAX_REPLAY_BYTES?: string;
  /** Time budget of each room hook call (onPublish, onJoin, onLeave), in ms. */
  HOOK_TIMEOUT_MS?: string;
  /** Room patterns to a jurisdiction or location hint: "eu-*=jurisdiction:eu,apac-*=hint:apac". */
  ROOM_PLACEMENT?: string;
  LOG_LEVEL?: string;
  DIRECTORY_REPORT_SECONDS?: string;
}

/**
 * What the worker and the room read from their environment: the [vars] plus the JWT secret. A user's
 * own Worker may hold more bindings; only these are read (the Room binding is looked up by name).
 */
export interface RoomcastVars extends SettingsVars {
  /** HS256 key of the default JWT authentication; not needed with a custom `authenticate`. */
  AUTH_SECRET?: string;
}

export const DEFAULTS = {
  idleTimeoutSeconds: 60,
  maxMessageBytes: 65536,
  ratePerSecond: 20,
  signalRatePerSecond: 60,
  historyLimit: 1000,
  maxConnectionsPerRoom: 10000,
  maxConnectionsPerUser: 20,
  presenceLimit: 1000,
  maxReplayBytes: 4 * 1024 * 1024,
  hookTimeoutMs: 1000,
} as const;

/** Thrown for a [vars] value that is not what the contract allows; the worker answers 500 misconfigured. */
export class SettingsError extends Error {
  override name = "SettingsError";
}

// Bounds keep a typo from disabling a limit: one object holds at most 32,768 hibernatable sockets, and
// a message (rendered, stored, replayed) must stay far below SQLite's 2 MB per row.
const BOUNDS = {
  IDLE_TIMEOUT_SECONDS: [1, 86_400],
  MAX_MESSAGE_BYTES: [16, 1024 * 1024],
  RATE_PER_SECOND: [1, 100_000],
  SIGNAL_RATE_PER_SECOND: [1, 100_000],
  HISTORY_LIMIT: [0, 1_000_000],
  MAX_CONNECTIONS_PER_ROOM: [1, 32_768],
  MAX_CONNECTIONS_PER_USER: [1, 32_768],
  PRESENCE_LIMIT: [0, 32_768],
  MAX_REPLAY_BYTES: [64 * 1024, 32 * 1024 * 1024],
  HOOK_TIMEOUT_MS: [1, 30_000],
  DIRECTORY_REPORT_SECONDS: [1, 3600],
} as const satisfies Record<
  keyof Omit<SettingsVars, "ALLOWED_ORIGINS" | "LOG_LEVEL" | "ROOM_PLACEMENT" | keyof ShardingVars>,
  readonly [number, number]
>;

function logLevel(raw: string | undefined): LogLevel {
  // Failures only unless asked: a line per connect and close is a cost on every connect (and in a
  // deploy's reconnect storm), paid whether or not anyone reads it.
  const v = (raw ?? "").trim() || "warn";
  if (v !== "info" && v !== "warn")
    throw new SettingsError(`LOG_LEVEL must be "info" or "warn", got "${raw}"`);
  return v;
}

function int(vars: SettingsVars, key: keyof typeof BOUNDS, fallback: number): number {
  const raw = vars[key];
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  const [min, max] = BOUNDS[key];
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new SettingsError(`${key} must be an integer from ${min} to ${max}, got "${raw}"`);
  }
  return n;
}

function sharding(vars: ShardingVars): ShardingSettings {
  try {
    return parseSharding(vars);
  } catch (err) {
    throw new SettingsError(errorMessage(err));
  }
}

/** Shortest AUTH_SECRET, in UTF-8 bytes: RFC 7518 §3.2 requires a key of at least 256 bits for HS256. */
export const MIN_AUTH_SECRET_BYTES = 32;

/**
 * Checks the JWT secret of the default authentication; throws SettingsError when it is missing or
 * shorter than MIN_AUTH_SECRET_BYTES (the worker answers 500 misconfigured: never open, never weak).
 */
export function checkAuthSecret(secret: string | undefined): void {
  if (!secret) throw new SettingsError("AUTH_SECRET is not set: run `wrangler secret put AUTH_SECRET`");
  const bytes = new TextEncoder().encode(secret).byteLength;
  if (bytes < MIN_AUTH_SECRET_BYTES) {
    throw new SettingsError(
      `AUTH_SECRET must be at least ${MIN_AUTH_SECRET_BYTES} bytes (HS256, RFC 7518 §3.2), got ${bytes}: e.g. \`openssl rand -hex 32\``,
    );
  }
}

function placement(raw: string | undefined): PlacementRule[] {
  try {
    return parsePlacement(raw);
  } catch (err) {
    throw new SettingsError(errorMessage(err));
  }
}

/** Parses [vars] into Settings; throws SettingsError on a bad value. */
export function parseSettings(vars: SettingsVars): Settings {
  return {
    allowedOrigins: (vars.ALLOWED_ORIGINS ?? "")
      .split(",")
      .map((o) => o.trim().replace(/\/+$/, ""))
      .filter((o) => o !== ""),
    idleTimeoutSeconds: int(vars, "IDLE_TIMEOUT_SECONDS", DEFAULTS.idleTimeoutSeconds),
    maxMessageBytes: int(vars, "MAX_MESSAGE_BYTES", DEFAULTS.maxMessageBytes),
    ratePerSecond: int(vars, "RATE_PER_SECOND", DEFAULTS.ratePerSecond),
    signalRatePerSecond: int(vars, "SIGNAL_RATE_PER_SECOND", DEFAULTS.signalRatePerSecond),
    historyLimit: int(vars, "HISTORY_LIMIT", DEFAULTS.historyLimit),
    maxConnectionsPerRoom: int(vars, "MAX_CONNECTIONS_PER_ROOM", DEFAULTS.maxConnectionsPerRoom),
    maxConnectionsPerUser: int(vars, "MAX_CONNECTIONS_PER_USER", DEFAULTS.maxConnectionsPerUser),
    presenceLimit: int(vars, "PRESENCE_LIMIT", DEFAULTS.presenceLimit),
    maxReplayBytes: int(vars, "MAX_REPLAY_BYTES", DEFAULTS.maxReplayBytes),
    hookTimeoutMs: int(vars, "HOOK_TIMEOUT_MS", DEFAULTS.hookTimeoutMs),
    logLevel: logLevel(vars.LOG_LEVEL),
    sharding: sharding(vars),
    placement: placement(vars.ROOM_PLACEMENT),
    directoryReportSeconds: int(vars, "DIRECTORY_REPORT_SECONDS", DEFAULT_REPORT_SECONDS),
  };
}
