// Proves the npm package works outside this repository, as a user gets it: npm pack, install the
// tarball into fresh apps under the temp dir, then with the system Node (20 here; run this file with
// it) use the CLI, the client, the React hook and the type generics, bundle the client for browsers
// under its size limit (and print its gzip size, which the README quotes), measure what a client-only
// install weighs, and run examples/embed (roomcast/server in a Worker of one's own) under the OLDEST
// wrangler and compatibility date roomcast supports, on the system Node. Plain Node ESM:
// `node scripts/pack-check.mjs` (CI runs it from .ci/run).
// Dependencies of the tarball (ws, valibot, and the optional peers hono and react) and the oldest
// wrangler come from the npm registry or its cache.

import { spawn, spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { delimiter, dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { build } from "esbuild";

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const SIZE_LIMIT = 12 * 1024; // gzip bytes of the browser bundle of roomcast/client
const NODE22 = join(ROOT, "node_modules/.bin/node"); // wrangler needs Node 22 (the node@22 devDependency)
const WRANGLER = join(ROOT, "node_modules/wrangler/bin/wrangler.js");
const TSC = join(ROOT, "node_modules/typescript/bin/tsc");
// The oldest supported toolchain, as the README states it. 4.86 is what `npm i -D wrangler` resolves on
// Node 20; 2024-04-03 is the first date with Durable Object RPC on by default (the worker calls rooms
// over RPC). The live embed check below runs on exactly these.
const MIN_WRANGLER = "4.86.0";
const MIN_COMPAT_DATE = "2024-04-03";

// The system Node: the first `node` on PATH that is not this project's node@22 devDependency.
const PATH = (process.env.PATH ?? "")
  .split(delimiter)
  .filter((p) => !p.includes("node_modules"))
  .join(delimiter);
const userEnv = { ...process.env, PATH, NO_COLOR: "1", npm_config_audit: "false", npm_config_fund: "false" };
for (const k of Object.keys(userEnv))
  if (k.startsWith("npm_") && !k.startsWith("npm_config_")) delete userEnv[k];

let failures = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${detail ? `: ${detail}` : ""}`);
  if (!ok) failures++;
  return ok;
}

/** Runs a command to completion; returns { code, stdout, stderr }. */
function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: "utf8", env: userEnv, ...opts });
  if (r.error) throw r.error;
  return { code: r.status, stdout: r.stdout ?? "", stderr: r.stderr ?? "" };
}

function must(r, what) {
  if (r.code !== 0) {
    console.error(r.stdout, r.stderr);
    throw new Error(`${what} failed (exit ${r.code})`);
  }
  return r;
}

/** The version of a dev dependency installed here (read from its package.json: not every package exports it). */
function version(pkg) {
  return JSON.parse(readFileSync(join(ROOT, "node_modules", pkg, "package.json"), "utf8")).version;
}

async function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const a = srv.address();
      srv.close(() => res(typeof a === "object" && a ? a.port : 0));
    });
  });
}

const tmp = await mkdtemp(join(tmpdir(), "roomcast-pack-"));
const children = [];
const stopAll = () => {
  for (const c of children) {
    try {
      if (c.exitCode === null && c.pid !== undefined) process.kill(-c.pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
};
process.once("exit", stopAll);
for (const sig of ["SIGINT", "SIGTERM"]) process.once(sig, () => process.exit(130));

try {
  const sys = must(run("node", ["--version"]), "node --version").stdout.trim();
  console.log(`system node ${sys} (this script: ${process.version}); temp dir ${tmp}`);
  check(Number(/^v(\d+)/.exec(sys)?.[1]) >= 20, "system Node is 20 or newer", sys);

  // ---- npm pack (prepack builds dist/) ----
  const packed = must(run("npm", ["pack", "--json", "--pack-destination", tmp], { cwd: ROOT }), "npm pack");
  const info = JSON.parse(packed.stdout.slice(packed.stdout.indexOf("[")))[0];
  const tarball = join(tmp, info.filename);
  const files = info.files.map((f) => f.path);
  console.log(`packed ${info.filename}: ${files.length} files, ${info.size} bytes`);
  for (const f of [
    "dist/cli/bin.js",
    "dist/client/index.js",
    "dist/client/index.d.ts",
    "dist/react/index.js",
    "dist/react/index.d.ts",
    "dist/server/index.js",
    "dist/server/index.d.ts",
    "dist/shared/webhook-signature.js",
    "CHANGELOG.md",
    "README.md",
    "LICENSE",
    "docs/client.md",
  ]) {
    check(files.includes(f), `tarball has ${f}`);
  }
  const stray = files.filter(
    (f) =>
      /^(src|test|bench|scripts|examples|dist\/web)\//.test(f) || (f.endsWith(".ts") && !f.endsWith(".d.ts")),
  );
  check(stray.length === 0, "tarball holds no sources, tests or page build", stray.slice(0, 5).join(", "));
  // The published types are a promise to users: no test seams (marked @internal, stripped by the build)
  // and no reference to the project's generated Env (the room classes type their own bindings).
  // Members are indented in a class or interface; a parameter named `faults` is not a seam.
  const seams =
    /^\s+(?:readonly\s+|get\s+)?(faults|liveSockets|activeShards|holdJoins|eventSink|failPushes|pushesSeen|pushLane|beforeCommit|recorded)\b\s*[(:?]/m;
  const leaks = [];
  for (const f of files.filter((f) => f.endsWith(".d.ts"))) {
    const text = must(run("tar", ["-xOzf", tarball, `package/${f}`]), `read ${f}`).stdout;
    const code = text.replace(/\/\*[\s\S]*?\*\//g, "").replace(/\/\/.*$/gm, "");
    if (seams.test(code)) leaks.push(`${f}: ${seams.exec(code)?.[1]}`);
    if (/[<:,(]\s*Env\b/.test(code)) leaks.push(`${f}: Env`);
  }
  check(
    leaks.length === 0,
    "published .d.ts carry no test seams and no generated Env",
    leaks.slice(0, 5).join(", "),
  );
  const manifest = JSON.parse(await readFile(join(ROOT, "package.json"), "utf8"));
  const shipped = JSON.parse(
    must(run("tar", ["-xOzf", tarball, "package/package.json"]), "read the packed package.json").stdout,
  );
  check(
    shipped.scripts?.prepare === undefined,
    "the published manifest has no prepare script (npm would list it as an install script)",
  );
  check(manifest.scripts?.prepare !== undefined, "postpack put the repository's prepare script back");
  // npm 11's publish drops a bin whose path starts with "./" ("script name … was invalid and removed").
  check(
    Object.values(shipped.bin ?? {}).every((p) => typeof p === "string" && !p.startsWith("./")),
    "bin paths have no ./ prefix (npm publish would drop them)",
    JSON.stringify(shipped.bin),
  );
  for (const dep of ["hono", "react"]) {
    check(
      !(dep in (shipped.dependencies ?? {})) && shipped.peerDependenciesMeta?.[dep]?.optional === true,
      `${dep} is an optional peer, not installed for client-only users`,
    );
  }
  for (const dev of ["wrangler", "vitest", "node", "typescript", "esbuild"]) {
    check(!(dev in (manifest.dependencies ?? {})), `${dev} is not a runtime dependency`);
  }

  // ---- a client-only user installs the tarball alone ----
  const lean = join(tmp, "client-only");
  await mkdir(lean);
  await writeFile(
    join(lean, "package.json"),
    JSON.stringify({ name: "lean", private: true, type: "module" }),
  );
  const leanInstall = must(
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: lean }),
    "npm install <tarball> alone",
  );
  const installed = (await readdir(join(lean, "node_modules"))).filter((d) => !d.startsWith("."));
  const kib = Number(must(run("du", ["-sk", join(lean, "node_modules")]), "du").stdout.split(/\s/)[0]);
  console.log(`client-only install: ${installed.join(", ")}: ${(kib / 1024).toFixed(1)} MiB on disk`);
  check(!installed.includes("hono"), "a client-only install does not pull in hono", installed.join(", "));
  check(
    !/install-scripts|prepare/.test(leanInstall.stdout + leanInstall.stderr),
    "installing the tarball lists no install script of roomcast",
  );

  // ---- a fresh app installs the tarball ----
  const app = join(tmp, "app");
  await mkdir(app);
  await writeFile(
    join(app, "package.json"),
    JSON.stringify({ name: "consumer", private: true, type: "module" }),
  );
  const react = version("react");
  must(
    run(
      "npm",
      [
        "install",
        "--prefer-offline",
        "--no-audit",
        "--no-fund",
        tarball,
        `hono@${version("hono")}`,
        `react@${react}`,
        `react-dom@${react}`,
        `@types/react@${version("@types/react")}`,
      ],
      { cwd: app },
    ),
    "npm install <tarball> in a fresh app",
  );
  const bin = join(app, "node_modules/.bin/roomcast");

  // ---- the CLI on the system Node ----
  const help = run(bin, ["--help"], { cwd: app });
  check(
    help.code === 0 && help.stdout.includes("Usage"),
    "roomcast --help (installed bin)",
    `exit ${help.code}`,
  );
  const tok = run(
    bin,
    ["token", "--secret", "S3cret-0123456789abcdef0123456789abcdef", "--user", "U", "--room", "lobby:rw"],
    { cwd: app },
  );
  const jwt = tok.stdout.trim();
  check(
    tok.code === 0 && /^[\w-]+\.[\w-]+\.[\w-]+$/.test(jwt) && tok.stdout === `${jwt}\n`,
    "roomcast token prints the JWT alone on stdout",
    tok.stderr.trim(),
  );
  const verified = run(
    "node",
    [
      "--input-type=module",
      "-e",
      `import { verify } from "hono/jwt"; const p = await verify(${JSON.stringify(jwt)}, "S3cret-0123456789abcdef0123456789abcdef", "HS256"); console.log(JSON.stringify([p.sub, p.rooms]));`,
    ],
    { cwd: app },
  );
  check(
    verified.stdout.trim() === '["U",{"lobby":["read","write"]}]',
    "the token verifies with the secret",
    verified.stdout.trim() || verified.stderr.trim(),
  );
  const global = join(tmp, "global");
  must(
    run("npm", ["install", "-g", "--prefix", global, "--prefer-offline", "--no-audit", "--no-fund", tarball]),
    "npm i -g <tarball>",
  );
  const gHelp = run(join(global, "bin/roomcast"), ["--help"]);
  check(gHelp.code === 0 && gHelp.stdout.includes("Usage"), "roomcast --help (npm i -g)");

  // ---- imports on the system Node ----
  await writeFile(
    join(app, "smoke.mjs"),
    `import { connect, RoomcastError } from "roomcast/client";
import { useRoom } from "roomcast/react";
import { createElement } from "react";
import { renderToString } from "react-dom/server";
if (typeof connect !== "function") throw new Error("connect is not a function");
if (!(new RoomcastError("closed", "x") instanceof Error)) throw new Error("RoomcastError is not an Error");
const Chat = () => createElement("p", null, useRoom({ url: "http://x.test", room: "lobby", token: "t" }).status);
console.log(renderToString(createElement(Chat)));
`,
  );
  const smoke = run("node", ["smoke.mjs"], { cwd: app });
  check(
    smoke.code === 0 && smoke.stdout.trim() === "<p>idle</p>",
    'import "roomcast/client" and "roomcast/react" (SSR) on the system Node',
    smoke.stderr.trim().split("\n")[0],
  );
  // A webhook receiver on plain Node imports the signature check without any Workers runtime.
  await writeFile(
    join(app, "webhook.mjs"),
    `import { signWebhook, verifyWebhook } from "roomcast/webhook";
const header = await signWebhook("s3cret", '{"events":[]}', 1800000000);
const good = await verifyWebhook("s3cret", Buffer.from('{"events":[]}'), header, { now: 1800000000000 });
const bad = await verifyWebhook("s3cret", '{"events":[1]}', header, { now: 1800000000000 });
console.log(good.ok, bad.ok ? "" : bad.reason);
`,
  );
  const webhook = run("node", ["webhook.mjs"], { cwd: app });
  check(
    webhook.code === 0 && webhook.stdout.trim() === "true mismatch",
    'import "roomcast/webhook" (verifyWebhook) on the system Node',
    (webhook.stderr || webhook.stdout).trim().split("\n")[0],
  );

  // ---- types: the generics, and a publish of the wrong shape that must not compile ----
  await writeFile(
    join(app, "tsconfig.json"),
    JSON.stringify({
      compilerOptions: {
        target: "es2022",
        module: "nodenext",
        moduleResolution: "nodenext",
        lib: ["es2022", "dom"],
        types: [],
        strict: true,
        noEmit: true,
        skipLibCheck: false,
      },
      files: ["consumer-ok.ts"],
    }),
  );
  await writeFile(
    join(app, "consumer-ok.ts"),
    `import { connect, RoomcastError, type HistoryPage, type MessageFrame } from "roomcast/client";
import { useRoom } from "roomcast/react";

type Chat = { text: string };
type Dm = { poke: true };
type Presence = { status: "here" | "away" };
const room = connect<Chat, Dm, Presence>({ url: "https://rooms.example", room: "lobby", token: () => "t" });
room.on("message", (m) => {
  const text: string = m.data.text;
  console.log(text.toUpperCase(), m.seq, m.from.id);
});
room.on("direct", (d) => console.log(d.data.poke === true));
const seq: Promise<number> = room.publish({ text: "hi" });
room.direct("bob", { poke: true });
room.setState({ status: "away" });
room.on("members", (list) => console.log(list.map((m) => m.state?.status)));
const page: HistoryPage<Chat> = { room: "lobby", epoch: "e", seq: 1, messages: [], more: false, gap: false };
const first: MessageFrame<Chat> | undefined = page.messages[0];
console.log(seq, first?.data.text, new RoomcastError("closed", "x").code);

export function useChat() {
  const { status, members, messages, publish, setState } = useRoom<Chat, unknown, Presence>({ url: "https://rooms.example", room: "lobby", token: "t", enabled: true });
  void publish({ text: "from react" });
  setState({ status: "here" });
  const away: boolean = members.some((m) => m.state?.status === "away");
  console.log(away);
  return { status, n: members.length, last: messages.at(-1)?.data.text };
}
`,
  );
  await writeFile(
    join(app, "tsconfig.bad.json"),
    JSON.stringify({ extends: "./tsconfig.json", files: ["consumer-bad.ts"] }),
  );
  await writeFile(
    join(app, "consumer-bad.ts"),
    `import { connect } from "roomcast/client";
const room = connect<{ text: string }>({ url: "https://rooms.example", room: "lobby", token: "t" });
void room.publish({ wrong: 1 });
`,
  );
  const ok = run("node", [TSC, "-p", "tsconfig.json"], { cwd: app });
  check(
    ok.code === 0,
    "tsc accepts a consumer using connect<TMessage, TDirect, TState>() and useRoom<…>()",
    ok.stdout.trim(),
  );
  const bad = run("node", [TSC, "-p", "tsconfig.bad.json"], { cwd: app });
  check(
    bad.code !== 0 && /consumer-bad\.ts\(3,.*'wrong'/.test(bad.stdout),
    "tsc rejects publish({ wrong: 1 }) on connect<{ text: string }>()",
    bad.stdout.trim().split("\n")[0],
  );

  // ---- the client bundled for browsers ----
  await writeFile(
    join(app, "browser.mjs"),
    `import { connect } from "roomcast/client";
const room = connect({ url: location.origin, room: "lobby", token: "t" });
room.on("message", (m) => document.body.append(String(m.data)));
`,
  );
  const bundle = await build({
    entryPoints: [join(app, "browser.mjs")],
    absWorkingDir: app,
    bundle: true,
    minify: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    write: false,
    logLevel: "error",
  });
  const js = bundle.outputFiles[0].contents;
  const gz = gzipSync(js, { level: 9 }).length;
  console.log(`client bundle: ${js.length} bytes minified, ${gz} bytes gzip (${(gz / 1024).toFixed(1)} KiB)`);
  check(
    gz <= SIZE_LIMIT,
    `browser bundle of roomcast/client is at most ${SIZE_LIMIT} bytes gzip`,
    `${js.length} bytes, ${gz} gzip (${((100 * gz) / SIZE_LIMIT).toFixed(0)}% of the limit)`,
  );

  // ---- examples/embed: roomcast/server inside a Worker of one's own ----
  const embed = join(tmp, "embed");
  await cp(join(ROOT, "examples/embed"), embed, {
    recursive: true,
    filter: (src) => !/(node_modules|\.wrangler|\.dev\.vars)/.test(src),
  });
  // wrangler comes from this repo (its Node 22); the example's own devDependency is not downloaded.
  const embedPkg = JSON.parse(await readFile(join(embed, "package.json"), "utf8"));
  delete embedPkg.devDependencies;
  await writeFile(join(embed, "package.json"), JSON.stringify(embedPkg, null, 2));
  must(
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", tarball], { cwd: embed }),
    "npm install in examples/embed",
  );
  // The oldest supported wrangler, from the registry, run by the system Node (20 here).
  const oldTools = join(tmp, "oldest-wrangler");
  await mkdir(oldTools);
  await writeFile(join(oldTools, "package.json"), JSON.stringify({ name: "oldest", private: true }));
  must(
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", `wrangler@${MIN_WRANGLER}`], {
      cwd: oldTools,
    }),
    `npm install wrangler@${MIN_WRANGLER}`,
  );
  const OLD_WRANGLER = join(oldTools, "node_modules/wrangler/bin/wrangler.js");
  const wranglerEnv = { ...userEnv, CI: "true", WRANGLER_SEND_METRICS: "false" };
  const dry = run(NODE22, [WRANGLER, "deploy", "--dry-run", "--outdir", join(tmp, "embed-out")], {
    cwd: embed,
    env: wranglerEnv,
  });
  check(
    dry.code === 0 && /--dry-run: exiting now/.test(dry.stdout + dry.stderr),
    "wrangler deploy --dry-run bundles examples/embed",
    dry.code === 0 ? "" : (dry.stderr || dry.stdout).trim().split("\n").slice(-3).join(" | "),
  );

  const types = run(NODE22, [WRANGLER, "types"], { cwd: embed, env: wranglerEnv });
  const tscEmbed = types.code === 0 ? run("node", [TSC, "-p", "tsconfig.json"], { cwd: embed }) : types;
  check(
    tscEmbed.code === 0,
    "examples/embed typechecks against the installed roomcast/server types",
    (tscEmbed.stdout || tscEmbed.stderr).trim().split("\n")[0],
  );

  await writeFile(
    join(embed, ".dev.vars"),
    "SESSION_SECRET=pack-check-session-secret-0123456789abcdef\nWEBHOOK_SECRET=pack-check-webhook-secret-0123456789abcdef\n",
  );
  const toml = await readFile(join(embed, "wrangler.toml"), "utf8");
  await writeFile(
    join(embed, "wrangler.toml"),
    toml.replace(/^compatibility_date = .*$/m, `compatibility_date = "${MIN_COMPAT_DATE}"`),
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const dev = spawn(
    "node",
    [
      OLD_WRANGLER,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      "0",
      "--persist-to",
      join(tmp, "embed-state"),
      "--show-interactive-dev-session=false",
      // Room events go to the example's own receiver on this port (wrangler.toml says 8787).
      "--var",
      `WEBHOOK_URL:http://127.0.0.1:${port}/webhooks/roomcast`,
    ],
    { cwd: embed, env: wranglerEnv, detached: true, stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(dev);
  let devLog = "";
  await new Promise((res, rej) => {
    const timer = setTimeout(
      () => rej(new Error(`wrangler dev not ready within 120 s:\n${devLog}`)),
      120_000,
    );
    const onData = (d) => {
      devLog += d;
      if (/Ready on/.test(devLog)) {
        clearTimeout(timer);
        res();
      }
    };
    dev.stdout.on("data", onData);
    dev.stderr.on("data", onData);
    dev.once("exit", (code) => {
      clearTimeout(timer);
      rej(new Error(`wrangler dev exited (${code}):\n${devLog}`));
    });
  });
  console.log(
    `examples/embed under wrangler ${MIN_WRANGLER} dev (system Node, compatibility_date ${MIN_COMPAT_DATE}) on ${base}`,
  );

  await writeFile(
    join(app, "join-embed.mjs"),
    `// Node 20 has no global WebSocket: the client gets one built on ws.
import WebSocket from "ws";
import { connect } from "roomcast/client";
const base = process.argv[2];
const out = {};
out.ownRoute = (await fetch(base + "/")).status;
const login = await (await fetch(base + "/login?user=ann", { method: "POST" })).json();
const room = connect({
  url: base + "/chat",
  room: "lobby",
  token: login.session,
  createWebSocket: (u) => new WebSocket(u),
  backoff: { maxAttempts: 1 },
});
// The example's onJoin greets every connection from the server, right after synced.
const greeting = new Promise((res) => {
  const timer = setTimeout(() => res(null), 10000);
  room.on("direct", (f) => { clearTimeout(timer); res(f.from.id + ": " + f.data.text); });
});
await Promise.race([room.ready(), new Promise((_, rej) => setTimeout(() => rej(new Error("no synced within 20 s")), 20000))]);
out.user = room.user;
out.greeting = await greeting;
out.seq = await room.publish({ text: "hi from the packed client" });
// The example's onPublish refuses what is not {"text"}: the publish rejects with the hook's reason.
out.rejected = await room.publish({ nope: 1 }).then(() => "stored", (e) => e.code + ": " + e.message);
// An HTTP route that reaches the room over RPC.
out.check = (await fetch(base + "/chat/auth/check?room=lobby", { headers: { authorization: "Bearer " + login.session } })).status;
room.close();
// A browser on the app's origin sends the session cookie instead of a token.
out.cookie = await new Promise((res) => {
  const ws = new WebSocket(base.replace("http", "ws") + "/chat/rooms/lobby/ws", { headers: { cookie: "session=" + login.session } });
  ws.on("message", (d) => { const f = JSON.parse(String(d)); if (f.type === "welcome") { res(f.user.id); ws.close(); } });
  ws.on("unexpected-response", (_req, r) => res("refused " + r.statusCode));
  ws.on("error", (e) => res("error " + e.message));
});
// No session at all: the upgrade is refused with 401 before any socket opens.
out.anonymous = await new Promise((res) => {
  const ws = new WebSocket(base.replace("http", "ws") + "/chat/rooms/lobby/ws");
  ws.on("open", () => { res("opened"); ws.close(); });
  ws.on("unexpected-response", (_req, r) => {
    let body = "";
    r.on("data", (c) => (body += c));
    r.on("end", () => res(r.statusCode + " " + JSON.parse(body).error.code));
  });
  ws.on("error", (e) => res("error " + e.message));
});
console.log(JSON.stringify(out));
`,
  );
  const joined = run("node", ["join-embed.mjs", base], { cwd: app, timeout: 60_000 });
  let result = {};
  try {
    result = JSON.parse(joined.stdout.trim().split("\n").at(-1) ?? "{}");
  } catch {
    console.error(joined.stdout, joined.stderr);
  }
  check(result.ownRoute === 200, "the example's own route answers beside /chat");
  check(
    result.user?.id === "ann",
    "a real socket joins /chat/rooms/lobby/ws with the example's session as token",
    JSON.stringify(result.user) ?? joined.stderr.trim().split("\n")[0],
  );
  check(
    Number.isInteger(result.seq) && result.seq > 0,
    "a publish through the mounted app is acked",
    String(result.seq),
  );
  check(
    result.greeting === "@server: welcome to lobby, ann",
    "the example's onJoin greets the new connection from the server",
    String(result.greeting),
  );
  check(
    typeof result.rejected === "string" && result.rejected.startsWith("rejected: send {"),
    "the example's onPublish (valibot) refuses a message that is not {text}",
    String(result.rejected),
  );
  check(result.check === 200, "GET /chat/auth/check answers 200 (the room over RPC)", String(result.check));
  check(result.cookie === "ann", "the session cookie alone authenticates the upgrade", String(result.cookie));
  check(
    result.anonymous === "401 unauthorized",
    "an unauthenticated upgrade gets 401",
    String(result.anonymous),
  );
  // The publish above is a room event: ROOM_EVENTS → the packed webhookConsumer → the example's
  // receiver, which logs it only once the signature verified.
  const delivered = await new Promise((res) => {
    const seen = () => /"event":"room_event","type":"message"/.test(devLog);
    if (seen()) return res(true);
    const onData = () => {
      if (!seen()) return;
      clearTimeout(timer);
      dev.stdout.off("data", onData);
      dev.stderr.off("data", onData);
      res(true);
    };
    const timer = setTimeout(() => {
      dev.stdout.off("data", onData);
      dev.stderr.off("data", onData);
      res(false);
    }, 30_000);
    dev.stdout.on("data", onData);
    dev.stderr.on("data", onData);
  });
  check(
    delivered,
    "a room event reaches the example's webhook receiver, signed (ROOM_EVENTS → webhookConsumer)",
  );
} catch (err) {
  check(false, "pack check ran to the end", err instanceof Error ? err.message : String(err));
} finally {
  stopAll();
  await rm(tmp, { recursive: true, force: true });
}

console.log(failures === 0 ? "pack-check: all good" : `pack-check: ${failures} check(s) failed`);
process.exit(failures === 0 ? 0 : 1);
