#!/usr/bin/env node
// `npm run dev`: makes sure .dev.vars has an AUTH_SECRET, prints demo tokens and links, runs `wrangler dev`.
// Extra arguments pass through: `npm run dev -- --port 9000 --var IDLE_TIMEOUT_SECONDS:5`.
import { spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
// Node 22 runs these TypeScript modules directly (type stripping): one .dev.vars parser, one minter.
import { mintToken } from "../src/cli/tokens/mint.ts";
import { parseDevVars } from "../src/cli/tokens/secret.ts";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const devVars = join(root, ".dev.vars");
const args = process.argv.slice(2);

function readSecret() {
  if (!existsSync(devVars)) return null;
  return parseDevVars(readFileSync(devVars, "utf8")).AUTH_SECRET || null;
}

let secret = readSecret();
if (!secret) {
  secret = randomBytes(32).toString("hex");
  const before = existsSync(devVars) ? readFileSync(devVars, "utf8").replace(/\n?$/, "\n") : "";
  writeFileSync(devVars, `${before}AUTH_SECRET=${secret}\n`, { mode: 0o600 });
  console.log(`roomcast: wrote a random AUTH_SECRET to .dev.vars (local only, git-ignored)`);
}

// --var AUTH_SECRET:… on the command line wins over .dev.vars (wrangler applies it last).
const { values } = parseArgs({
  args,
  options: {
    port: { type: "string" },
    ip: { type: "string" },
    var: { type: "string", multiple: true },
    "local-protocol": { type: "string" },
  },
  strict: false,
});
const override = (values.var ?? []).find((v) => typeof v === "string" && v.startsWith("AUTH_SECRET:"));
if (typeof override === "string") secret = override.slice("AUTH_SECRET:".length);

const port = typeof values.port === "string" ? values.port : "8787";
const host = typeof values.ip === "string" && values.ip !== "0.0.0.0" ? values.ip : "localhost";
const scheme = values["local-protocol"] === "https" ? "https" : "http";
const base = `${scheme}://${host}:${port}`;
const ttlSeconds = 24 * 3600;
// A third user for the terminal, so the page does not show Alice twice.
const [alice, bob, carol, admin] = await Promise.all([
  mintToken({ secret, user: "alice", name: "Alice", rooms: { lobby: ["read", "write"] }, ttlSeconds }),
  mintToken({ secret, user: "bob", name: "Bob", rooms: { lobby: ["read", "write"] }, ttlSeconds }),
  mintToken({ secret, user: "carol", name: "Carol", rooms: { lobby: ["read", "write"] }, ttlSeconds }),
  mintToken({ secret, user: "ops", name: "Ops", rooms: { "*": ["admin"] }, ttlSeconds }),
]);

console.log(`
roomcast dev server: ${base}   (demo tokens below are valid for 24 h)

  Open the chat as Alice:  ${base}/#room=lobby&token=${alice}
  Open the chat as Bob:    ${base}/#room=lobby&token=${bob}

  Terminal as Carol: npx roomcast connect ${base} --room lobby --token ${carol}

  Admin page (live rooms, charts, kick): ${base}/admin#token=${admin}
  Admin token (all rooms): ${admin}
            npx roomcast top ${base} --token <admin token>
            npx roomcast info ${base} --room lobby --token <admin token>
`);

const wrangler = join(root, "node_modules", "wrangler", "bin", "wrangler.js");
const child = spawn(process.execPath, [wrangler, "dev", ...args], { cwd: root, stdio: "inherit" });
for (const sig of ["SIGINT", "SIGTERM"]) process.on(sig, () => child.kill(sig));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
