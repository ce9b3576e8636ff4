// --help texts of the roomcast command and its subcommands.
import {
  DEFAULT_HISTORY_PAGE,
  MAX_HISTORY_PAGE,
  MAX_ID_LENGTH,
  MAX_KICK_REASON,
  MAX_USER_ID_LENGTH,
} from "../shared/protocol.ts";
import type { CommandName } from "./args.ts";

const AUTH = `Authentication (one of):
  -t, --token T          a token (JWT) from your app or \`roomcast token\`
  -u, --user U           mint a token for user U instead; the signing secret comes from
  -s, --secret S           --secret, else $AUTH_SECRET, else AUTH_SECRET=... in ./.dev.vars
  -n, --name N           display name for the minted token`;

const TOP = `roomcast: real-time rooms over WebSockets, from the terminal

Usage:
  roomcast connect <url> --room R [auth] [--since N --epoch E | --rewind N] [--insecure] [--json] [--listen]
  roomcast token --user U --room 'lobby:rw' [--room 'team-*:r'] [--name N] [--ttl 1h] [--secret S]
  roomcast publish <url> --room R --data JSON [--id ID] [auth] [--insecure]
  roomcast info <url> --room R [auth] [--insecure]
  roomcast kick <url> --room R --target U [--ban 1h] [--reason TEXT] [auth] [--insecure]
  roomcast history <url> --room R [--after N | --before N] [--limit N] [--epoch E] [auth] [--insecure]
  roomcast rooms <url> [--prefix P] [--json] [auth] [--insecure]
  roomcast top <url> [--prefix P] [--interval S] [--once] [auth] [--insecure]

<url> is the worker: http(s)://host:port, ws(s)://host:port, or host:port.
Run \`roomcast <command> --help\` for details.

Exit codes: 0 ok, 1 runtime failure (refused, unreachable, server error), 2 usage error.`;

const CONNECT = `Usage: roomcast connect <url> --room R [auth] [options]

Joins a room. On a terminal: type a line to publish it, incoming messages print as
"[HH:MM:SS] name: text". Reconnects and resumes by itself; Ctrl-C or /quit closes (1000).
When stdout is not a terminal (or with --json): stdin lines are published the same way, and
every event is written as one JSON object per line. EOF on stdin waits for pending acks,
closes and exits 0 (1 if something was not acknowledged).

Options:
  -r, --room R           room name (or put it in the URL: ws://host/rooms/R/ws)
      --since N          resume after seq N (with --epoch; both from an earlier session)
      --epoch E          the room epoch that --since belongs to
      --rewind N         on joining, show the last N messages (ignored with --since)
  -k, --insecure         accept self-signed TLS certificates (wrangler dev --local-protocol https)
      --json             JSON lines on stdout even on a terminal
      --listen           receive only; do not read stdin (runs until Ctrl-C / SIGTERM)
  -h, --help             this help
${AUTH}
  (a minted token has read+write on the room and lives 1h; it is re-minted on every reconnect)

Typed lines:
  text                   publish "text" (a JSON string)
  /json <JSON>           publish any JSON value, e.g. /json {"x":1}
  /dm <user> <text>      direct message to every connection of <user>
  /signal <JSON>         signal to everyone else (not stored; shown to JSON readers only)
  /typing                the signal {"typing":true}
  /who                   list members
  /help                  this list
  /quit                  close and exit (also Ctrl-D)
  //text                 publish "/text" (a line starting with / taken literally)`;

const TOKEN = `Usage: roomcast token --user U --room SPEC [--room SPEC ...] [options]

Prints a signed HS256 token (JWT) for the roomcast worker.

Options:
  -u, --user U           user id (the token's sub), 1-${MAX_USER_ID_LENGTH} characters
  -n, --name N           display name
  -r, --room SPEC        pattern:capabilities, repeatable. Pattern: a room, a prefix ending in *,
                         or *. Capabilities: letters r, w, a or words read,write,admin.
                         e.g. 'lobby:rw', 'team-*:r', '*:admin'. A bare pattern means rw.
      --ttl T            lifetime: 90s, 15m, 1h (default), 7d, or seconds
  -s, --secret S         signing secret; default $AUTH_SECRET, else AUTH_SECRET in ./.dev.vars
  -h, --help             this help`;

const PUBLISH = `Usage: roomcast publish <url> --room R --data JSON [--id ID] [auth] [--insecure]

Publishes over HTTP (POST /rooms/R/messages, needs admin on the room) and prints the answer,
e.g. {"seq":42} or {"seq":42,"duplicate":true} when --id repeats an earlier message.

Options:
  -r, --room R           room name
  -d, --data JSON        the message: any JSON value ('"hello"', '{"n":1}', '[1,2]')
      --id ID            idempotency key (1-${MAX_ID_LENGTH} characters)
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has admin on the room and lives 5 minutes)`;

const INFO = `Usage: roomcast info <url> --room R [auth] [--insecure]

Prints room info as JSON (GET /rooms/R, needs admin on the room):
{"room","epoch","seq","connections","members":[...],"history":{"oldest","newest","count"}}

Options:
  -r, --room R           room name
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has admin on the room and lives 5 minutes)`;

const KICK = `Usage: roomcast kick <url> --room R --target U [--ban 1h] [--reason TEXT] [auth] [--insecure]

Removes a user from a room (POST /rooms/R/kick, needs admin on the room): every connection of
that user closes with 4403 and the reason. Prints the answer, e.g. {"closed":2}.

Options:
  -r, --room R           room name
      --target U         the user id to remove
      --ban T            also ban them for T: 90s, 15m, 1h, 7d, or seconds (at most 30d);
                         while banned they cannot join or publish (403 banned)
      --reason TEXT      shown to the removed user (at most ${MAX_KICK_REASON} characters)
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has admin on the room and lives 5 minutes)`;

const HISTORY = `Usage: roomcast history <url> --room R [--after N | --before N] [--limit N] [--epoch E] [auth]

Prints stored messages (GET /rooms/R/messages, needs read on the room), one message frame per
JSON line on stdout, always in ascending seq order (oldest first), whichever the direction.
With --after: the oldest messages after seq N. With --before, or neither: the newest messages
before seq N (or the newest of all). When more messages remain in that direction, or some after
--after were trimmed, one line on stderr says so and gives the options for the next page, e.g.
"roomcast: more: older messages remain; next page: --before 101 --epoch 3f2a…".

Options:
  -r, --room R           room name
      --after N          messages with seq > N (a non-negative integer)
      --before N         messages with seq < N (not with --after)
      --limit N          at most N messages, 1-${MAX_HISTORY_PAGE} (default ${DEFAULT_HISTORY_PAGE})
      --epoch E          fail (409 epoch_mismatch) unless the room's epoch is still E
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has read on the room and lives 5 minutes)`;

const ROOMS = `Usage: roomcast rooms <url> [--prefix P] [--json] [auth] [--insecure]

Lists the live rooms (GET /rooms, every page; needs admin on the rooms listed: a token with admin
on "*" sees them all, one with admin on "eu-*" only those): a table of room, sockets, distinct
users, messages in the last minute, seq, sharded, and how long ago the room was last active.
The directory is fed by the rooms themselves, so it can be a few seconds behind.

Options:
      --prefix P         only rooms whose name starts with P
      --json             one JSON object per room and line (the server's fields) instead of a table
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has admin on every room, "*", and lives 5 minutes)`;

const TOP_VIEW = `Usage: roomcast top <url> [--prefix P] [--interval S] [--once] [auth] [--insecure]

The live rooms, busiest first (by sockets, then messages per minute), redrawn in place every
--interval seconds like top; q or Ctrl-C quits. When stdout is not a terminal each refresh is
printed after the previous one (until SIGINT/SIGTERM); --once prints one and exits.

Options:
      --prefix P         only rooms whose name starts with P
      --interval S       seconds between refreshes, 0.2-3600 (default 2)
      --once             print once and exit
  -k, --insecure         accept self-signed TLS certificates
  -h, --help             this help
${AUTH}
  (a minted token has admin on every room, "*", and lives 5 minutes)`;

const TEXTS: Record<CommandName, string> = {
  connect: CONNECT,
  token: TOKEN,
  publish: PUBLISH,
  info: INFO,
  kick: KICK,
  history: HISTORY,
  rooms: ROOMS,
  top: TOP_VIEW,
};

/** The help text for a command, or the overview. */
export function helpText(topic?: CommandName): string {
  return topic ? TEXTS[topic] : TOP;
}

/** The in-session help for /help. */
export const SESSION_HELP = CONNECT.slice(CONNECT.indexOf("Typed lines:"));
