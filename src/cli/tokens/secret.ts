// Finds the signing secret for minted tokens: --secret, then $AUTH_SECRET, then AUTH_SECRET in ./.dev.vars.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { errorMessage } from "../../shared/errors.ts";
import { CliError } from "../errors.ts";

/** Where a secret was found, for messages. */
export type SecretSource = "--secret" | "AUTH_SECRET" | ".dev.vars";

export interface FoundSecret {
  secret: string;
  source: SecretSource;
}

export interface SecretLookup {
  flag?: string | undefined;
  env: Readonly<Record<string, string | undefined>>;
  /** Directory holding `.dev.vars` (the current directory). */
  cwd: string;
}

/**
 * Parses a dotenv-style `.dev.vars` (what wrangler reads): `KEY=value` lines, optional `export `,
 * single or double quotes, `#` comments and blank lines.
 */
export function parseDevVars(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === "" || line.startsWith("#")) continue;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m || m[1] === undefined) continue;
    let value = m[2] ?? "";
    const q = value[0];
    if ((q === '"' || q === "'") && value.length >= 2 && value.endsWith(q)) {
      value = value.slice(1, -1);
      if (q === '"') value = value.replace(/\\n/g, "\n").replace(/\\(["\\])/g, "$1");
    } else {
      value = value.replace(/\s+#.*$/, "").trim();
    }
    out[m[1]] = value;
  }
  return out;
}

/** The first non-empty secret of --secret, $AUTH_SECRET and `.dev.vars`, or null when none is set. */
export async function findSecret(lookup: SecretLookup): Promise<FoundSecret | null> {
  if (lookup.flag) return { secret: lookup.flag, source: "--secret" };
  const env = lookup.env.AUTH_SECRET;
  if (env) return { secret: env, source: "AUTH_SECRET" };
  const path = join(lookup.cwd, ".dev.vars");
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (err) {
    if (err instanceof Error && "code" in err && (err.code === "ENOENT" || err.code === "ENOTDIR"))
      return null;
    throw new CliError(`cannot read ${path}: ${errorMessage(err)}`);
  }
  const secret = parseDevVars(text).AUTH_SECRET;
  return secret ? { secret, source: ".dev.vars" } : null;
}
