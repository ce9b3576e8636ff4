// `roomcast rooms`: the live room directory (GET /rooms, every page) as a table or JSON lines, and the
// table `roomcast top` redraws.
import type { RoomEntry } from "../server/directory.ts";
import type { DirectoryArgs, RoomsArgs } from "./args.ts";
import { CliError, EXIT } from "./errors.ts";
import { call } from "./http.ts";
import type { CliIo } from "./io.ts";

const PAGE = 500;
/** Pages fetched at most (10,000 rooms): a listing stays bounded however large the deployment. */
const MAX_PAGES = 20;

/** Every live room (name order), following `next`; `truncated` when MAX_PAGES did not reach the end. */
export async function fetchRooms(
  args: DirectoryArgs,
  io: CliIo,
): Promise<{ rooms: RoomEntry[]; truncated: boolean }> {
  const rooms: RoomEntry[] = [];
  let after: string | null = null;
  for (let i = 0; i < MAX_PAGES; i++) {
    const q = new URLSearchParams({ limit: String(PAGE) });
    if (args.prefix !== undefined) q.set("prefix", args.prefix);
    if (after !== null) q.set("after", after);
    const page = await call(args, io, "GET", `/rooms?${q}`);
    if (!isPage(page)) throw new CliError(`GET ${args.base}/rooms: not a room list`);
    rooms.push(...page.rooms);
    if (page.next === null) return { rooms, truncated: false };
    after = page.next;
  }
  return { rooms, truncated: true };
}

function isPage(v: unknown): v is { rooms: RoomEntry[]; next: string | null } {
  return (
    typeof v === "object" &&
    v !== null &&
    "rooms" in v &&
    Array.isArray(v.rooms) &&
    "next" in v &&
    (v.next === null || typeof v.next === "string")
  );
}

/** Prints the table, or with --json one JSON object per room and line. */
export async function runRooms(args: RoomsArgs, io: CliIo): Promise<number> {
  const { rooms, truncated } = await fetchRooms(args, io);
  if (args.json) {
    for (const r of rooms) io.stdout.write(`${JSON.stringify(r)}\n`);
  } else {
    io.stdout.write(`${roomTable(rooms, Date.now())}\n`);
  }
  if (truncated) io.stderr.write(`roomcast: more than ${rooms.length} rooms; narrow with --prefix\n`);
  return EXIT.OK;
}

const COLUMNS = ["ROOM", "SOCKETS", "USERS", "MSG/MIN", "SEQ", "SHARDED", "ACTIVE"] as const;

/** A fixed-width table, one room per row, with how long ago each was last active. */
export function roomTable(rooms: readonly RoomEntry[], now: number): string {
  const rows = rooms.map((r) => [
    r.room,
    String(r.sockets),
    String(r.users),
    String(r.messagesLastMinute),
    String(r.seq),
    r.sharded ? "yes" : "no",
    ago(now - r.lastActivity),
  ]);
  const all = [[...COLUMNS], ...rows];
  const widths = COLUMNS.map((_, i) => Math.max(...all.map((row) => (row[i] ?? "").length)));
  const lines = all.map((row) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i] ?? 0) : cell.padStart(widths[i] ?? 0)))
      .join("  ")
      .trimEnd(),
  );
  if (rooms.length === 0) lines.push("(no live rooms)");
  return lines.join("\n");
}

/** "4s", "3m", "2h" ago. */
function ago(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${Math.round(s / 3600)}h`;
}
