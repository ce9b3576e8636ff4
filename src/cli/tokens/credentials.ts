// Turns --token or --user/--secret into the token the worker wants, minting with mint.ts when asked to.
import type { Capability } from "../../shared/protocol.ts";
import type { AuthArgs } from "../args.ts";
import { UsageError } from "../errors.ts";
import type { CliIo } from "../io.ts";
import { mintToken } from "./mint.ts";
import { findSecret } from "./secret.ts";

/** What a minted token grants: capabilities on one room, for a while. */
export interface Grant {
  room: string;
  caps: Capability[];
  ttlSeconds: number;
}

/** The signing secret from --secret, $AUTH_SECRET or ./.dev.vars; a usage error when there is none. */
export async function requireSecret(
  flag: string | undefined,
  io: Pick<CliIo, "env" | "cwd">,
): Promise<string> {
  const found = await findSecret({ flag, env: io.env, cwd: io.cwd });
  if (!found) {
    throw new UsageError(
      "missing secret to mint a token: pass --secret S, set AUTH_SECRET, or run where ./.dev.vars has AUTH_SECRET=... (npm run dev writes one)",
    );
  }
  return found.secret;
}

/**
 * A function returning a token: the given one, or a freshly minted one on every call (so a long
 * session that reconnects after its token expired gets a new one). The secret is looked up once, now.
 */
export async function tokenSource(
  auth: AuthArgs,
  grant: Grant,
  io: Pick<CliIo, "env" | "cwd">,
): Promise<() => Promise<string>> {
  if (auth.kind === "token") {
    const token = auth.token;
    return async () => token;
  }
  const secret = await requireSecret(auth.secret, io);
  return () =>
    mintToken({
      secret,
      user: auth.user,
      ...(auth.name !== undefined ? { name: auth.name } : {}),
      rooms: { [grant.room]: grant.caps },
      ttlSeconds: grant.ttlSeconds,
    });
}
