// `roomcast publish`, `info`, `kick` and `history`: the worker's HTTP endpoints, answers printed as JSON.
import { readErrorBody } from "../shared/errors.ts";
import type { Capability, HistoryPage } from "../shared/protocol.ts";
import type { HistoryArgs, InfoArgs, KickArgs, PublishArgs, RoomTarget } from "./args.ts";
import { describeTransportError, nodeTransport } from "./connect/node-transport.ts";
import { CliError, EXIT } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { tokenSource } from "./tokens/credentials.ts";

// HTTP commands are one-shot: a short-lived token (admin, or read for history) is enough.
const ADMIN_TTL_SECONDS = 300;

/** POST /rooms/R/messages and print the answer ({"seq":N}). */
export async function runPublish(args: PublishArgs, io: CliIo): Promise<number> {
  const body = JSON.stringify({ data: args.data, ...(args.id !== undefined ? { id: args.id } : {}) });
  const answer = await call(args, io, "POST", `/rooms/${encodeURIComponent(args.room)}/messages`, body);
  io.stdout.write(`${JSON.stringify(answer)}\n`);
  return EXIT.OK;
}

/** GET /rooms/R and print the room info (indented on a terminal). */
export async function runInfo(args: InfoArgs, io: CliIo): Promise<number> {
  const answer = await call(args, io, "GET", `/rooms/${encodeURIComponent(args.room)}`);
  io.stdout.write(`${JSON.stringify(answer, null, io.stdout.isTTY ? 2 : undefined)}\n`);
  return EXIT.OK;
}

/** POST /rooms/R/kick and print the answer ({"closed":K}). */
export async function runKick(args: KickArgs, io: CliIo): Promise<number> {
  const body = JSON.stringify({
    user: args.target,
    ...(args.banSeconds !== undefined ? { banSeconds: args.banSeconds } : {}),
    ...(args.reason !== undefined ? { reason: args.reason } : {}),
  });
  const answer = await call(args, io, "POST", `/rooms/${encodeURIComponent(args.room)}/kick`, body);
  io.stdout.write(`${JSON.stringify(answer)}\n`);
  return EXIT.OK;
}

/**
 * GET /rooms/R/messages and print one message frame per JSON line, in ascending seq order whatever the
 * direction (the server sends `before` pages newest first). When the page is not the whole story
 * (`more` or `gap`), one line on stderr says so and how to go on.
 */
export async function runHistory(args: HistoryArgs, io: CliIo): Promise<number> {
  const query = new URLSearchParams();
  if (args.after !== undefined) query.set("after", String(args.after));
  if (args.before !== undefined) query.set("before", String(args.before));
  if (args.limit !== undefined) query.set("limit", String(args.limit));
  if (args.epoch !== undefined) query.set("epoch", args.epoch);
  const qs = query.size > 0 ? `?${query}` : "";
  const path = `/rooms/${encodeURIComponent(args.room)}/messages${qs}`;
  const answer = await call(args, io, "GET", path, undefined, ["read"]);
  if (!isHistoryPage(answer)) throw new CliError(`GET ${args.base}${path}: not a history page`);
  const messages = [...answer.messages].sort((a, b) => a.seq - b.seq);
  for (const m of messages) io.stdout.write(`${JSON.stringify(m)}\n`);
  const note = historyNote(args, answer, messages);
  if (note !== undefined) io.stderr.write(`roomcast: ${note}\n`);
  return EXIT.OK;
}

function isHistoryPage(v: unknown): v is HistoryPage {
  return (
    typeof v === "object" &&
    v !== null &&
    "messages" in v &&
    Array.isArray(v.messages) &&
    v.messages.every(
      (m: unknown) => typeof m === "object" && m !== null && "seq" in m && typeof m.seq === "number",
    )
  );
}

/** The stderr line for a page with `more` or `gap`: what is missing and the next command's options. */
export function historyNote(
  args: Pick<HistoryArgs, "after" | "before">,
  page: Pick<HistoryPage, "epoch" | "seq" | "more" | "gap">,
  ascending: ReadonlyArray<{ seq: number }>,
): string | undefined {
  const parts: string[] = [];
  if (page.gap) {
    const oldest = ascending[0]?.seq;
    if (args.after === undefined) {
      parts.push(
        `gap: older messages${oldest !== undefined ? ` (before seq ${oldest})` : ""} were trimmed from history`,
      );
    } else if (args.after > page.seq) {
      parts.push(
        `gap: --after ${args.after} is beyond the room's seq ${page.seq} (history from another epoch?)`,
      );
    } else {
      parts.push(
        `gap: messages after seq ${args.after} were trimmed from history` +
          (oldest !== undefined ? ` (this page starts at seq ${oldest})` : ""),
      );
    }
  }
  if (page.more) {
    const forward = args.after !== undefined;
    const edge = forward ? ascending.at(-1)?.seq : ascending[0]?.seq;
    parts.push(
      forward
        ? `more: newer messages remain; next page: --after ${edge ?? args.after} --epoch ${page.epoch}`
        : `more: older messages remain; next page: --before ${edge ?? args.before} --epoch ${page.epoch}`,
    );
  }
  return parts.length > 0 ? parts.join("; ") : undefined;
}

/**
 * One request to the worker as the command's user; the answer's JSON, or a CliError. A minted token
 * holds `caps` on the command's room, or on every room (`*`) for commands without one.
 */
export async function call(
  args: Pick<RoomTarget, "base" | "auth" | "insecure"> & { room?: string },
  io: CliIo,
  method: "GET" | "POST",
  path: string,
  body?: string,
  caps: Capability[] = ["admin"],
): Promise<unknown> {
  const token = await (
    await tokenSource(args.auth, { room: args.room ?? "*", caps, ttlSeconds: ADMIN_TTL_SECONDS }, io)
  )();
  const transport = nodeTransport({ insecure: args.insecure });
  const url = `${args.base}${path}`;
  let res: Response;
  try {
    res = await transport.fetch(url, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body !== undefined ? { "content-type": "application/json" } : {}),
      },
      ...(body !== undefined ? { body } : {}),
    });
  } catch (err) {
    const why = err instanceof Error ? describeTransportError(err) : String(err);
    throw new CliError(`cannot reach ${args.base}: ${why}`);
  }
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new CliError(
      `HTTP ${res.status} from ${url}: not JSON (${text.slice(0, 80).replace(/\s+/g, " ")})`,
    );
  }
  if (!res.ok) throw new CliError(httpErrorMessage(res.status, parsed));
  return parsed;
}

/** "code: message" from the contract's error body, or "HTTP status" when the body is something else. */
export function httpErrorMessage(status: number, body: unknown): string {
  const e = readErrorBody(body);
  return e ? `${e.code}: ${e.message}` : `HTTP ${status}`;
}
