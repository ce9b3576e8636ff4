// Output of `roomcast connect`: one JSON object per event for pipes, readable (optionally coloured) lines for terminals.

import type { ConnectionState, SyncedEvent } from "../../client/types.ts";
import type {
  DirectFrame,
  Member,
  MessageFrame,
  PresenceFrame,
  SignalFrame,
  UserRef,
  WelcomeFrame,
} from "../../shared/protocol.ts";

/** A connection state change as written in JSON mode. */
export interface StateEvent {
  type: "state";
  status: ConnectionState["status"];
  attempt?: number;
  delayMs?: number;
  code?: number;
  reason?: string;
  error?: { code: string; message: string };
}

/** Everything `roomcast connect` reports; in JSON mode each is written as-is on one line. */
export type OutputEvent =
  | StateEvent
  | WelcomeFrame
  | ({ type: "synced" } & SyncedEvent)
  | MessageFrame
  | DirectFrame
  | PresenceFrame
  | SignalFrame
  | { type: "error"; code: string; message: string; id?: string }
  | { type: "ack"; seq: number }
  | { type: "members"; members: Member[] }
  | { type: "binary"; bytes: number; base64: string };

/** The JSON shape of a connection state (a RoomcastError becomes `{code, message}`). */
export function stateEvent(s: ConnectionState): StateEvent {
  switch (s.status) {
    case "connecting":
      return { type: "state", status: s.status, attempt: s.attempt };
    case "open":
      return { type: "state", status: s.status };
    case "reconnecting":
      return {
        type: "state",
        status: s.status,
        attempt: s.attempt,
        delayMs: s.delayMs,
        code: s.code,
        reason: s.reason,
      };
    case "closed":
      return {
        type: "state",
        status: s.status,
        code: s.code,
        reason: s.reason,
        ...(s.error ? { error: { code: s.error.code, message: s.error.message } } : {}),
      };
  }
}

/** One JSON line (without the newline). */
export function jsonLine(ev: OutputEvent): string {
  return JSON.stringify(ev);
}

/**
 * Colour only for terminals, and never when NO_COLOR is set to anything non-empty (no-color.org);
 * FORCE_COLOR (non-empty, not "0") turns it on for non-terminals too.
 */
export function colorEnabled(env: Readonly<Record<string, string | undefined>>, isTTY: boolean): boolean {
  if (env.NO_COLOR) return false;
  const force = env.FORCE_COLOR;
  if (force !== undefined && force !== "" && force !== "0") return true;
  return isTTY && env.TERM !== "dumb";
}

/** Local wall-clock time of a ms timestamp as HH:MM:SS. */
export function formatClock(ts: number): string {
  const d = new Date(ts);
  return [d.getHours(), d.getMinutes(), d.getSeconds()].map((n) => String(n).padStart(2, "0")).join(":");
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point: they are escaped.
const CONTROL = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029]/g;

/**
 * Makes untrusted text safe for a terminal: control characters (escape sequences could move the
 * cursor, retitle the window or fake other lines) become \u escapes; newlines stay but continue
 * indented, so a message cannot pose as a line of its own.
 */
export function sanitize(text: string): string {
  return text
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`)
    .replace(/\n/g, "\n    ");
}

/**
 * Message data as shown on a terminal, as the browser page shows it: strings as they are, the `text`
 * of a `{"text": …}` object (what the page and chat mode publish), anything else as JSON.
 */
export function showData(data: unknown): string {
  if (typeof data === "string") return sanitize(data);
  if (data !== null && typeof data === "object" && "text" in data && typeof data.text === "string") {
    return sanitize(data.text);
  }
  return sanitize(JSON.stringify(data) ?? String(data));
}

function who(u: UserRef): string {
  return sanitize(u.name ?? u.id);
}

const SGR = { dim: "2", bold: "1", red: "31", green: "32", yellow: "33", cyan: "36", magenta: "35" } as const;
type Style = keyof typeof SGR;

/** Context for terminal lines. */
export interface HumanContext {
  color: boolean;
  /** The worker URL, for "connecting to …". */
  url: string;
}

/** The terminal line for an event, or null when the event is not shown on a terminal. */
export function humanLine(ev: OutputEvent, ctx: HumanContext): string | null {
  const paint = (style: Style, s: string) => (ctx.color ? `\u001b[${SGR[style]}m${s}\u001b[0m` : s);
  const status = (s: string) => paint("dim", `* ${s}`);
  const warn = (s: string) => paint("yellow", `! ${s}`);
  switch (ev.type) {
    case "state":
      switch (ev.status) {
        case "connecting":
          // `attempt` counts failed attempts so far: 0 is the first connection.
          return status(ev.attempt ? `connecting (retry ${ev.attempt})…` : `connecting to ${ctx.url}…`);
        case "reconnecting": {
          const secs = ((ev.delayMs ?? 0) / 1000).toFixed(1);
          const why =
            ev.code !== undefined ? ` (${ev.code}${ev.reason ? ` ${sanitize(ev.reason)}` : ""})` : "";
          return warn(`connection lost${why}; reconnecting in ${secs}s`);
        }
        case "closed":
          return ev.error
            ? null
            : status(`closed (${ev.code ?? 1000}${ev.reason ? ` ${sanitize(ev.reason)}` : ""})`);
        case "open":
          return null;
      }
      return null;
    case "welcome": {
      const you = ev.user.name ? `${sanitize(ev.user.id)} (${sanitize(ev.user.name)})` : sanitize(ev.user.id);
      return status(`joined ${sanitize(ev.room)} as ${you}; ${memberList(ev.members)}`);
    }
    case "synced":
      if (ev.gap) return warn("gap: some messages were missed and are no longer in the room's history");
      return ev.replayed > 0
        ? status(`caught up: ${ev.replayed} missed message${ev.replayed === 1 ? "" : "s"} replayed`)
        : null;
    case "message":
      return `${paint("dim", `[${formatClock(ev.ts)}]`)} ${paint("cyan", who(ev.from))}: ${showData(ev.data)}`;
    case "direct":
      return `${paint("dim", `[${formatClock(ev.ts)}]`)} ${paint("magenta", `${who(ev.from)} → you`)}: ${showData(ev.data)}`;
    case "presence":
      if (ev.event === "count") return status(`${ev.members} online`);
      if (ev.event === "update") return status(`${who(ev.user)} is ${showData(ev.state)}`);
      return status(`${who(ev.user)} ${ev.event === "join" ? "joined" : "left"} (${ev.members} online)`);
    case "signal":
      // Cursors and typing would flood a terminal: signals are for JSON readers.
      return null;
    case "error":
      return paint("red", `! ${sanitize(ev.code)}: ${sanitize(ev.message)}`);
    case "ack":
      return null;
    case "members":
      return status(memberList(ev.members));
    case "binary":
      return status(`binary frame, ${ev.bytes} bytes`);
  }
}

function memberList(members: Member[]): string {
  const names = members.map((m) => `${who(m)}${m.connections > 1 ? ` ×${m.connections}` : ""}`);
  return `${members.length} online${names.length ? `: ${names.join(", ")}` : ""}`;
}
