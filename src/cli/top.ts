// `roomcast top`: the live rooms, busiest first, redrawn in place every few seconds like top(1). On a
// terminal q or Ctrl-C quits; when stdout is not a terminal each refresh is printed after the last
// (until SIGINT/SIGTERM), and --once prints one and exits.
import type { RoomEntry } from "../server/directory.ts";
import { errorMessage } from "../shared/errors.ts";
import type { TopArgs } from "./args.ts";
import { EXIT } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { fetchRooms, roomTable } from "./rooms.ts";

const CLEAR = "\x1b[H\x1b[2J";
const HIDE_CURSOR = "\x1b[?25l";
const SHOW_CURSOR = "\x1b[?25h";

/** Busiest first: sockets, then messages in the last minute, then name. */
export function byLoad(a: RoomEntry, b: RoomEntry): number {
  return b.sockets - a.sockets || b.messagesLastMinute - a.messagesLastMinute || (a.room < b.room ? -1 : 1);
}

/** One screen: a summary line, then the table (cut to `rows` lines when given). */
export function topScreen(rooms: RoomEntry[], now: number, rows?: number): string {
  const sorted = [...rooms].sort(byLoad);
  const sockets = sorted.reduce((n, r) => n + r.sockets, 0);
  const minute = sorted.reduce((n, r) => n + r.messagesLastMinute, 0);
  const time = new Date(now).toISOString().slice(11, 19);
  const head = `roomcast top - ${time} UTC  rooms: ${sorted.length}  sockets: ${sockets}  messages/min: ${minute}`;
  const shown = rows === undefined ? sorted : sorted.slice(0, Math.max(1, rows - 3));
  return `${head}\n\n${roomTable(shown, now)}`;
}

export async function runTop(args: TopArgs, io: CliIo): Promise<number> {
  const tty = io.stdout.isTTY === true && !args.once;
  let stopped = false;
  let wake: (() => void) | null = null;
  const stop = () => {
    stopped = true;
    wake?.();
  };
  const offSignal = io.onSignal(stop);
  const offKeys = tty ? keys(io, stop) : () => {};
  if (tty) io.stdout.write(HIDE_CURSOR);
  try {
    let first = true;
    while (!stopped) {
      let screen: string;
      try {
        const { rooms, truncated } = await fetchRooms(args, io);
        const rows = tty ? (io.stdout as { rows?: number }).rows : undefined;
        screen =
          topScreen(rooms, Date.now(), rows) + (truncated ? "\n(more rooms: narrow with --prefix)" : "");
      } catch (err) {
        // The first answer decides whether the command works at all; later failures are shown and retried.
        if (first) throw err;
        screen = `roomcast top: ${errorMessage(err)} (retrying)`;
      }
      first = false;
      io.stdout.write(tty ? `${CLEAR}${screen}\n` : `${screen}\n\n`);
      if (args.once) break;
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, args.interval * 1000);
        wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      wake = null;
    }
  } finally {
    offKeys();
    offSignal();
    if (tty) io.stdout.write(SHOW_CURSOR);
  }
  return EXIT.OK;
}

/** Raw keys on a terminal: q or Ctrl-C stops. Returns the function that restores the terminal. */
function keys(io: CliIo, stop: () => void): () => void {
  const stdin = io.stdin as CliIo["stdin"] & { setRawMode?: (raw: boolean) => void; isTTY?: boolean };
  if (stdin.isTTY !== true || typeof stdin.setRawMode !== "function") return () => {};
  const onData = (chunk: Buffer | string) => {
    const text = chunk.toString();
    if (text.includes("q") || text.includes("Q") || text.includes("\x03")) stop();
  };
  stdin.setRawMode(true);
  stdin.on("data", onData);
  stdin.resume();
  return () => {
    stdin.off("data", onData);
    stdin.setRawMode?.(false);
    stdin.pause();
  };
}
