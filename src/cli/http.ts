// `roomcast publish` and `roomcast info`: the worker's HTTP endpoints, answers printed as JSON.
import { readErrorBody } from "../shared/errors.ts";
import type { InfoArgs, KickArgs, PublishArgs } from "./args.ts";
import { tokenSource } from "./credentials.ts";
import { CliError, EXIT } from "./errors.ts";
import type { CliIo } from "./io.ts";
import { describeTransportError, nodeTransport } from "./node-transport.ts";

// HTTP commands are one-shot: a short-lived admin token is enough.
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

async function call(
  args: PublishArgs | InfoArgs | KickArgs,
  io: CliIo,
  method: "GET" | "POST",
  path: string,
  body?: string,
): Promise<unknown> {
  const token = await (
    await tokenSource(args.auth, { room: args.room, caps: ["admin"], ttlSeconds: ADMIN_TTL_SECONDS }, io)
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
