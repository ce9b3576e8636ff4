// Command-line parsing (node:util parseArgs) and validation into typed commands; throws UsageError.
import { type ParseArgsConfig, type ParseArgsOptionsConfig, parseArgs } from "node:util";
import { errorMessage } from "../shared/errors.ts";
import {
  type Capability,
  MAX_BAN_SECONDS,
  MAX_HISTORY_PAGE,
  MAX_ID_LENGTH,
  MAX_KICK_REASON,
  MAX_USER_ID_LENGTH,
} from "../shared/protocol.ts";
import {
  isMessageId,
  isRoomName,
  isUserId,
  parseRewind,
  REWIND_RULE,
  ROOM_NAME_RULE,
} from "../shared/rules.ts";
import { UsageError } from "./errors.ts";
import { parseRoomSpec, parseTtl } from "./tokens/mint.ts";
import { parseServerUrl } from "./url.ts";

/** The subcommands, in help order. */
export const COMMANDS = ["connect", "token", "publish", "info", "kick", "history", "rooms", "top"] as const;
export type CommandName = (typeof COMMANDS)[number];

/** How to authenticate: a ready token, or a user to mint one for (the secret is looked up later). */
export type AuthArgs =
  | { kind: "token"; token: string }
  | { kind: "mint"; user: string; name?: string; secret?: string };

/** Where a room command goes and as whom: the options every room command shares. */
export interface RoomTarget {
  base: string;
  room: string;
  auth: AuthArgs;
  /** Accept a self-signed certificate (wss/https). */
  insecure: boolean;
}

export interface ConnectArgs extends RoomTarget {
  command: "connect";
  since?: number;
  epoch?: string;
  /** Show the last N messages on joining (when not resuming). */
  rewind?: number;
  /** One JSON object per event on stdout even on a terminal. */
  json: boolean;
  /** Receive only: do not read stdin (for background listeners). */
  listen: boolean;
}

export interface TokenArgs {
  command: "token";
  user: string;
  name?: string;
  rooms: Record<string, Capability[]>;
  ttlSeconds: number;
  secret?: string;
}

export interface PublishArgs extends RoomTarget {
  command: "publish";
  data: unknown;
  id?: string;
}

export interface InfoArgs extends RoomTarget {
  command: "info";
}

export interface KickArgs extends RoomTarget {
  command: "kick";
  /** The user whose sockets are closed (4403). */
  target: string;
  /** Ban length in seconds; 0 or absent: kick only. */
  banSeconds?: number;
  reason?: string;
}

export interface HistoryArgs extends RoomTarget {
  command: "history";
  /** Messages with seq > after (oldest first on the server). */
  after?: number;
  /** Messages with seq < before (newest first on the server). */
  before?: number;
  /** 1–1,000; the server's default (100) when absent. */
  limit?: number;
  epoch?: string;
}

/** Where a command over all rooms goes (`rooms`, `top`): the server, credentials, a name prefix. */
export interface DirectoryArgs {
  base: string;
  auth: AuthArgs;
  insecure: boolean;
  prefix?: string;
}

export interface RoomsArgs extends DirectoryArgs {
  command: "rooms";
  /** The server's answer as JSON lines (one room per line) instead of a table. */
  json: boolean;
}

export interface TopArgs extends DirectoryArgs {
  command: "top";
  /** Print one table and exit. */
  once: boolean;
  /** Seconds between refreshes. */
  interval: number;
}

export type Command =
  | { command: "help"; topic?: CommandName }
  | { command: "version" }
  | ConnectArgs
  | TokenArgs
  | PublishArgs
  | InfoArgs
  | KickArgs
  | HistoryArgs
  | RoomsArgs
  | TopArgs;

const HELP = { help: { type: "boolean", short: "h" } } as const;
const AUTH = {
  token: { type: "string", short: "t" },
  secret: { type: "string", short: "s" },
  user: { type: "string", short: "u" },
  name: { type: "string", short: "n" },
} as const;
const TARGET = {
  room: { type: "string", short: "r" },
  insecure: { type: "boolean", short: "k" },
} as const;

function isCommand(name: string): name is CommandName {
  return (COMMANDS as readonly string[]).includes(name);
}

/** Parses `argv` (without node and script) into a command. Throws UsageError on any mistake. */
export function parseCommandLine(argv: readonly string[]): Command {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h") return { command: "help" };
  if (first === "--version" || first === "-V") return { command: "version" };
  if (first === "help") {
    const topic = rest[0];
    if (topic === undefined) return { command: "help" };
    if (!isCommand(topic)) throw unknownCommand(topic);
    return { command: "help", topic };
  }
  if (!isCommand(first)) throw unknownCommand(first);
  if (rest.includes("--help") || rest.includes("-h")) return { command: "help", topic: first };
  switch (first) {
    case "connect":
      return parseConnect(rest);
    case "token":
      return parseToken(rest);
    case "publish":
      return parsePublish(rest);
    case "info":
      return parseInfo(rest);
    case "kick":
      return parseKick(rest);
    case "history":
      return parseHistory(rest);
    case "rooms":
    case "top":
      return parseDirectory(first, rest);
  }
}

function unknownCommand(name: string): UsageError {
  const what = name.startsWith("-") ? `unknown option ${name}` : `unknown command "${name}"`;
  return new UsageError(`${what}: commands are ${COMMANDS.join(", ")} (see roomcast --help)`);
}

/** parseArgs with strict checking, its errors turned into one-line usage errors. */
function parse<T extends ParseArgsConfig>(command: CommandName, config: T): ReturnType<typeof parseArgs<T>> {
  try {
    return parseArgs(config);
  } catch (err) {
    // parseArgs messages carry a second sentence about `--`; the first one says it all.
    const msg = err instanceof Error ? (err.message.split(/\.\s/)[0] ?? err.message) : String(err);
    throw new UsageError(
      `${command}: ${msg.charAt(0).toLowerCase()}${msg.slice(1)} (see roomcast ${command} --help)`,
    );
  }
}

/** A command on one room: help, auth and target options plus its own, positionals allowed (the URL). */
function parseRoomCommand<O extends ParseArgsOptionsConfig>(
  command: CommandName,
  args: string[],
  options: O,
) {
  return parse(command, {
    args,
    allowPositionals: true,
    strict: true,
    options: { ...HELP, ...AUTH, ...TARGET, ...options },
  });
}

/** The URL, room, credentials and --insecure of a room command, checked in that order. */
function roomTarget(
  command: CommandName,
  positionals: string[],
  v: Parameters<typeof auth>[1] & { room?: string | undefined; insecure?: boolean | undefined },
): RoomTarget {
  return { ...target(command, positionals, v.room), auth: auth(command, v), insecure: v.insecure ?? false };
}

function target(command: CommandName, positionals: string[], roomFlag: string | undefined) {
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing server URL (e.g. http://127.0.0.1:8787)`);
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`);
  const endpoint = parseServerUrl(positionals[0] ?? "");
  if (roomFlag !== undefined && endpoint.room !== undefined && roomFlag !== endpoint.room) {
    throw new UsageError(`${command}: --room ${roomFlag} differs from the URL's room ${endpoint.room}`);
  }
  const room = roomFlag ?? endpoint.room;
  if (room === undefined) throw new UsageError(`${command}: missing --room`);
  return { base: endpoint.base, room: checkRoom(room) };
}

/** Checks a room name against the contract's rule. */
export function checkRoom(room: string): string {
  if (!isRoomName(room)) {
    throw new UsageError(`bad room "${room}": ${ROOM_NAME_RULE}`);
  }
  return room;
}

function auth(
  command: CommandName,
  v: {
    token?: string | undefined;
    secret?: string | undefined;
    user?: string | undefined;
    name?: string | undefined;
  },
): AuthArgs {
  if (v.token !== undefined) {
    if (v.user !== undefined || v.secret !== undefined || v.name !== undefined) {
      throw new UsageError(`${command}: use either --token or --user/--secret/--name, not both`);
    }
    if (v.token === "") throw new UsageError(`${command}: --token is empty`);
    return { kind: "token", token: v.token };
  }
  if (v.user === undefined) {
    throw new UsageError(
      `${command}: missing token: pass --token T, or --user U to mint one (secret from --secret, AUTH_SECRET or ./.dev.vars)`,
    );
  }
  return { kind: "mint", ...mintFields(command, v.user, v.name, v.secret) };
}

function mintFields(command: CommandName, user: string, name?: string, secret?: string) {
  if (!isUserId(user)) throw new UsageError(`${command}: --user must be 1-${MAX_USER_ID_LENGTH} characters`);
  if (secret === "") throw new UsageError(`${command}: --secret is empty`);
  return { user, ...(name !== undefined ? { name } : {}), ...(secret !== undefined ? { secret } : {}) };
}

function parseConnect(args: string[]): ConnectArgs {
  const { values: v, positionals } = parseRoomCommand("connect", args, {
    since: { type: "string" },
    epoch: { type: "string" },
    rewind: { type: "string" },
    json: { type: "boolean" },
    listen: { type: "boolean" },
  });
  const out: ConnectArgs = {
    command: "connect",
    ...roomTarget("connect", positionals, v),
    json: v.json ?? false,
    listen: v.listen ?? false,
  };
  if ((v.since === undefined) !== (v.epoch === undefined)) {
    throw new UsageError("connect: --since and --epoch go together (both from an earlier session)");
  }
  if (v.since !== undefined && v.epoch !== undefined) {
    if (!/^\d+$/.test(v.since) || !Number.isSafeInteger(Number(v.since))) {
      throw new UsageError(`connect: --since must be a non-negative integer, got "${v.since}"`);
    }
    if (v.epoch === "") throw new UsageError("connect: --epoch is empty");
    out.since = Number(v.since);
    out.epoch = v.epoch;
  }
  if (v.rewind !== undefined) {
    const rewind = parseRewind(v.rewind);
    if (rewind === null) throw new UsageError(`connect: --rewind must be ${REWIND_RULE}, got "${v.rewind}"`);
    out.rewind = rewind;
  }
  return out;
}

function parseToken(args: string[]): TokenArgs {
  const { values: v, positionals } = parse("token", {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...HELP,
      user: AUTH.user,
      name: AUTH.name,
      secret: AUTH.secret,
      room: { type: "string", short: "r", multiple: true },
      ttl: { type: "string" },
    },
  });
  if (positionals.length > 0) throw new UsageError(`token: unexpected argument "${positionals[0]}"`);
  if (v.user === undefined) throw new UsageError("token: missing --user");
  if (!v.room || v.room.length === 0) throw new UsageError("token: missing --room (e.g. --room 'lobby:rw')");
  const rooms: Record<string, Capability[]> = {};
  for (const spec of v.room) {
    let pattern: string;
    let caps: Capability[];
    try {
      [pattern, caps] = parseRoomSpec(spec);
    } catch (err) {
      throw new UsageError(`token: ${errorMessage(err)}`);
    }
    const merged = [...(rooms[pattern] ?? [])];
    for (const c of caps) if (!merged.includes(c)) merged.push(c);
    rooms[pattern] = merged;
  }
  let ttlSeconds: number;
  try {
    ttlSeconds = parseTtl(v.ttl ?? "1h");
  } catch (err) {
    throw new UsageError(`token: ${errorMessage(err)}`);
  }
  return { command: "token", ...mintFields("token", v.user, v.name, v.secret), rooms, ttlSeconds };
}

function parsePublish(args: string[]): PublishArgs {
  const { values: v, positionals } = parseRoomCommand("publish", args, {
    data: { type: "string", short: "d" },
    id: { type: "string" },
  });
  const where = roomTarget("publish", positionals, v);
  if (v.data === undefined)
    throw new UsageError(`publish: missing --data (JSON, e.g. --data '"hello"' or '{"n":1}')`);
  const data = parseJsonArg("publish: --data", v.data);
  if (v.id !== undefined && !isMessageId(v.id)) {
    throw new UsageError(`publish: --id must be 1-${MAX_ID_LENGTH} characters`);
  }
  return {
    command: "publish",
    ...where,
    data,
    ...(v.id !== undefined ? { id: v.id } : {}),
  };
}

function parseInfo(args: string[]): InfoArgs {
  const { values: v, positionals } = parseRoomCommand("info", args, {});
  return {
    command: "info",
    ...roomTarget("info", positionals, v),
  };
}

function parseKick(args: string[]): KickArgs {
  const { values: v, positionals } = parseRoomCommand("kick", args, {
    target: { type: "string" },
    ban: { type: "string" },
    reason: { type: "string" },
  });
  const where = roomTarget("kick", positionals, v);
  if (v.target === undefined) throw new UsageError("kick: missing --target (the user id to remove)");
  if (!isUserId(v.target)) throw new UsageError(`kick: --target must be 1-${MAX_USER_ID_LENGTH} characters`);
  const out: KickArgs = {
    command: "kick",
    ...where,
    target: v.target,
  };
  if (v.ban !== undefined) {
    let seconds: number;
    try {
      seconds = parseTtl(v.ban);
    } catch {
      throw new UsageError(`kick: --ban must be a duration like 90s, 15m, 1h, 7d, got "${v.ban}"`);
    }
    if (seconds > MAX_BAN_SECONDS) throw new UsageError(`kick: --ban is at most 30d (${MAX_BAN_SECONDS}s)`);
    out.banSeconds = seconds;
  }
  if (v.reason !== undefined) {
    if (v.reason.length > MAX_KICK_REASON) {
      throw new UsageError(`kick: --reason is at most ${MAX_KICK_REASON} characters`);
    }
    out.reason = v.reason;
  }
  return out;
}

/** A non-negative integer (0–15 digits, as the server takes) from option `name`; UsageError otherwise. */
function seqOption(command: CommandName, name: string, value: string): number {
  if (!/^\d{1,15}$/.test(value)) {
    throw new UsageError(`${command}: --${name} must be a non-negative integer, got "${value}"`);
  }
  return Number(value);
}

function parseHistory(args: string[]): HistoryArgs {
  const { values: v, positionals } = parseRoomCommand("history", args, {
    after: { type: "string" },
    before: { type: "string" },
    limit: { type: "string" },
    epoch: { type: "string" },
  });
  const where = roomTarget("history", positionals, v);
  if (v.after !== undefined && v.before !== undefined) {
    throw new UsageError("history: give --after or --before, not both");
  }
  const out: HistoryArgs = {
    command: "history",
    ...where,
  };
  if (v.after !== undefined) out.after = seqOption("history", "after", v.after);
  if (v.before !== undefined) out.before = seqOption("history", "before", v.before);
  if (v.limit !== undefined) {
    const limit = /^\d{1,4}$/.test(v.limit) ? Number(v.limit) : 0;
    if (limit < 1 || limit > MAX_HISTORY_PAGE) {
      throw new UsageError(
        `history: --limit must be an integer from 1 to ${MAX_HISTORY_PAGE}, got "${v.limit}"`,
      );
    }
    out.limit = limit;
  }
  if (v.epoch !== undefined) {
    if (v.epoch === "") throw new UsageError("history: --epoch is empty");
    out.epoch = v.epoch;
  }
  return out;
}

/** `rooms` and `top`: a server URL (no room), credentials, --prefix, and their own options. */
function parseDirectory(command: "rooms" | "top", args: string[]): RoomsArgs | TopArgs {
  const { values: v, positionals } = parse(command, {
    args,
    allowPositionals: true,
    strict: true,
    options: {
      ...HELP,
      ...AUTH,
      insecure: TARGET.insecure,
      prefix: { type: "string" },
      json: { type: "boolean" },
      once: { type: "boolean" },
      interval: { type: "string" },
    },
  });
  if (positionals.length === 0)
    throw new UsageError(`${command}: missing server URL (e.g. http://127.0.0.1:8787)`);
  if (positionals.length > 1) throw new UsageError(`${command}: unexpected argument "${positionals[1]}"`);
  const where: DirectoryArgs = {
    base: parseServerUrl(positionals[0] ?? "").base,
    auth: auth(command, v),
    insecure: v.insecure ?? false,
  };
  if (v.prefix !== undefined) {
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(v.prefix)) {
      throw new UsageError(`${command}: --prefix must be the start of a room name (${ROOM_NAME_RULE})`);
    }
    where.prefix = v.prefix;
  }
  if (command === "rooms") {
    if (v.once !== undefined || v.interval !== undefined) {
      throw new UsageError("rooms: --once and --interval belong to roomcast top");
    }
    return { command, ...where, json: v.json ?? false };
  }
  if (v.json !== undefined) throw new UsageError("top: --json belongs to roomcast rooms");
  const interval = v.interval === undefined ? 2 : Number(v.interval);
  if (!Number.isFinite(interval) || interval < 0.2 || interval > 3600) {
    throw new UsageError(`top: --interval must be seconds from 0.2 to 3600, got "${v.interval}"`);
  }
  return { command, ...where, once: v.once ?? false, interval };
}

/** JSON.parse with a usage error naming the argument. */
export function parseJsonArg(what: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    const why = errorMessage(err);
    throw new UsageError(`${what} is not valid JSON (${why}); quote strings: '"hello"'`);
  }
}
