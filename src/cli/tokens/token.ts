// `roomcast token`: prints a signed token for a user and a set of room patterns.
import type { TokenArgs } from "../args.ts";
import { EXIT } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { requireSecret } from "./credentials.ts";
import { mintToken } from "./mint.ts";

/** Mints the token and prints it on its own line. */
export async function runToken(args: TokenArgs, io: CliIo): Promise<number> {
  const secret = await requireSecret(args.secret, io);
  const token = await mintToken({
    secret,
    user: args.user,
    ...(args.name !== undefined ? { name: args.name } : {}),
    rooms: args.rooms,
    ttlSeconds: args.ttlSeconds,
  });
  io.stdout.write(`${token}\n`);
  return EXIT.OK;
}
