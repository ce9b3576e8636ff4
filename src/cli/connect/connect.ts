// `roomcast connect`: an interactive (terminal) or JSON-lines (pipe) session over the reconnecting client.
import { connect } from "../../client/index.ts";
import type { ConnectOptions, RoomClient } from "../../client/types.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { ConnectArgs } from "../args.ts";
import { CliError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { tokenSource } from "../tokens/credentials.ts";
import { SessionOutput } from "./connect-output.ts";
import { ConnectSession } from "./connect-session.ts";
import { nodeTransport } from "./node-transport.ts";
import { colorEnabled } from "./render.ts";

/** How the session gets its client: the library's `connect()`, or one over fake sockets in tests. */
export type ClientFactory = (options: ConnectOptions) => RoomClient;

// A minted token for `connect` has read+write on the room and is re-minted on every reconnect.
const CONNECT_GRANT_TTL = 3600;

/** Runs the session; resolves with the exit code when it ends. */
export async function runConnect(
  args: ConnectArgs,
  io: CliIo,
  createClient: ClientFactory = connect,
): Promise<number> {
  const token = await tokenSource(
    args.auth,
    { room: args.room, caps: ["read", "write"], ttlSeconds: CONNECT_GRANT_TTL },
    io,
  );
  const transport = nodeTransport({ insecure: args.insecure });
  const json = args.json || !io.stdout.isTTY;
  const interactive = !json && !args.listen && io.stdin.isTTY === true;
  const color = !json && colorEnabled(io.env, io.stdout.isTTY === true);

  let client: RoomClient;
  try {
    client = createClient({
      url: args.base,
      room: args.room,
      // A fixed --token is passed as a string so the library stops (instead of retrying) when it is refused.
      token: args.auth.kind === "token" ? args.auth.token : token,
      ...(args.since !== undefined && args.epoch !== undefined
        ? { since: args.since, epoch: args.epoch }
        : {}),
      ...(args.rewind !== undefined ? { rewind: args.rewind } : {}),
      createWebSocket: transport.createWebSocket,
      fetch: transport.fetch,
    });
  } catch (err) {
    throw new CliError(errorMessage(err));
  }
  const output = new SessionOutput(io, { json, color, interactive, url: args.base });
  return new ConnectSession({
    args,
    io,
    client,
    output,
    interactive,
    transportError: () => transport.lastError(),
  }).run();
}
