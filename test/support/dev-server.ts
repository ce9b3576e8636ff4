// Starts `wrangler dev` on a free loopback port for e2e and browser tests, and stops it again.
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, readFile, rename, rm, writeFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";

export const ROOT = resolve(import.meta.dirname, "../..");

import { TEST_SECRET } from "./tokens.ts";

export { TEST_SECRET };

export interface DevServer {
  /** e.g. http://127.0.0.1:41234 (https:// with `https: true`) */
  url: string;
  port: number;
  /** Everything wrangler printed so far (stdout + stderr). */
  output(): string;
  /** Stops wrangler (whole process group); keeps the state dir for `restart`. */
  stop(): Promise<void>;
  /** Stops and starts again on the same port and state (Durable Object storage persists). */
  restart(): Promise<void>;
  /** Stops and removes the state dir. */
  dispose(): Promise<void>;
}

export interface DevServerOptions {
  vars?: Record<string, string>;
  https?: boolean;
  /** Extra `wrangler dev` arguments. */
  args?: string[];
  /** A wrangler config other than the project's wrangler.toml (path from the project root). */
  config?: string;
  timeoutMs?: number;
  /** The inspector (Chrome DevTools protocol) port, for profiling; a random one by default. */
  inspectorPort?: number;
  /**
   * Start without any AUTH_SECRET (for the `500 misconfigured` contract row): no --var, an empty
   * --env-file so a developer's .dev.vars is not read, and AUTH_SECRET removed from the environment.
   */
  noSecret?: boolean;
  /**
   * Keep wrangler.toml's request rate limits (`[[ratelimits]]`). Off by default: every suite and
   * benchmark connects from 127.0.0.1 (wrangler dev's CF-Connecting-IP) as a few users, far above
   * the production limits. Applies to a config named in `args` (`--config`) too.
   */
  rateLimits?: boolean;
}

/**
 * `config` without its `[[ratelimits]]` blocks, written beside it as `<name>.no-ratelimits.toml`
 * (relative paths in it keep their meaning) and rewritten only when it changed: wrangler dev restarts
 * when its config file does. A config without rate limits is returned as it is.
 */
async function withoutRateLimits(config: string): Promise<string> {
  const original = await readFile(config, "utf8");
  if (!original.includes("[[ratelimits]]")) return config;
  const toml = original.replace(/^\[\[ratelimits\]\][^[]*/gm, "");
  const file = `${config.replace(/\.toml$/, "")}.no-ratelimits.toml`;
  const current = await readFile(file, "utf8").catch(() => null);
  if (current !== toml) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, toml);
    await rename(tmp, file);
  }
  return file;
}

export async function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.once("error", rej);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => res(port));
    });
  });
}

/** GET with a 1 s timeout that accepts wrangler's self-signed certificate; true on 200. */
function healthy(url: string): Promise<boolean> {
  return new Promise((res) => {
    const req = (url.startsWith("https:") ? httpsRequest : httpRequest)(
      url,
      { rejectUnauthorized: false, timeout: 1000 },
      (r) => {
        r.resume();
        res(r.statusCode === 200);
      },
    );
    req.on("error", () => res(false));
    req.on("timeout", () => req.destroy());
    req.end();
  });
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<DevServer> {
  let port = await freePort();
  const stateDir = await mkdtemp(join(tmpdir(), "roomcast-e2e-"));
  const vars: Record<string, string> = opts.noSecret
    ? { ...opts.vars }
    : { AUTH_SECRET: TEST_SECRET, ...opts.vars };
  const emptyEnvFile = join(stateDir, "empty.env");
  if (opts.noSecret) await writeFile(emptyEnvFile, "");
  const { AUTH_SECRET: _inherited, ...parentEnv } = process.env;
  const scheme = opts.https ? "https" : "http";
  let url = `${scheme}://127.0.0.1:${port}`;
  let log = "";
  let child: ChildProcess | null = null;
  // The config wrangler dev reads (the project's, or one named by `config`/`args`), without rate limits
  // unless asked for them.
  const extra = [...(opts.args ?? [])];
  const at = extra.findIndex((a) => a === "--config" || a === "-c");
  const named = at >= 0 ? extra.splice(at, 2)[1] : opts.config;
  const given = resolve(ROOT, named ?? "wrangler.toml");
  const config = ["--config", opts.rateLimits ? given : await withoutRateLimits(given)];

  const launch = async () => {
    const args = [
      join(ROOT, "node_modules/wrangler/bin/wrangler.js"),
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(opts.inspectorPort ?? 0),
      "--persist-to",
      stateDir,
      "--show-interactive-dev-session=false",
      ...(opts.https ? ["--local-protocol", "https"] : []),
      ...Object.entries(vars).flatMap(([k, v]) => ["--var", `${k}:${v}`]),
      ...(opts.noSecret ? ["--env-file", emptyEnvFile] : []),
      ...config,
      ...extra,
    ];
    const proc = spawn(process.execPath, args, {
      cwd: ROOT,
      detached: true,
      stdio: ["ignore", "pipe", "pipe"],
      env: {
        ...(opts.noSecret ? parentEnv : process.env),
        CI: "true",
        WRANGLER_SEND_METRICS: "false",
        NO_COLOR: "1",
      },
    });
    child = proc;
    // wrangler runs in its own process group (so stop() reaches workerd too); make sure that group
    // does not outlive this process if the test runner exits without stop().
    const reap = () => {
      try {
        if (proc.pid !== undefined && proc.exitCode === null) process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    };
    process.once("exit", reap);
    proc.once("exit", () => process.off("exit", reap));
    const from = log.length;
    // Ready when wrangler says so (it prints "Ready on <url>"), then confirmed with one health request.
    const ready = new Promise<void>((resolve, reject) => {
      const onData = (d: Buffer) => {
        log += d.toString();
        if (log.indexOf("Ready on", from) !== -1) resolve();
      };
      proc.stdout?.on("data", onData);
      proc.stderr?.on("data", onData);
      proc.once("exit", (code) => reject(new Error(`wrangler dev exited with ${code}:\n${log.slice(from)}`)));
    });
    const ms = opts.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new Error(`wrangler dev did not become ready on ${url} within ${ms} ms:\n${log.slice(from)}`),
          ),
        ms,
      );
    });
    try {
      await Promise.race([ready, timeout]);
      if (!(await healthy(`${url}/healthz`)))
        throw new Error(`wrangler dev said ready but ${url}/healthz failed:\n${log.slice(from)}`);
    } catch (err) {
      await kill();
      throw err;
    } finally {
      clearTimeout(timer);
    }
  };

  const kill = async () => {
    const proc = child;
    child = null;
    if (!proc || proc.exitCode !== null || proc.pid === undefined) return;
    const exited = new Promise<void>((r) => proc.once("exit", () => r()));
    try {
      process.kill(-proc.pid, "SIGTERM");
    } catch {
      return;
    }
    const timer = setTimeout(() => {
      try {
        if (proc.pid !== undefined) process.kill(-proc.pid, "SIGKILL");
      } catch {
        // already gone
      }
    }, 5000);
    await exited;
    clearTimeout(timer);
  };

  // A free port can be taken between freePort() and wrangler's listen (wrangler and workerd pick
  // random ports of their own, and other suites start servers at the same time): try another.
  for (let attempt = 1; ; attempt++) {
    try {
      await launch();
      break;
    } catch (err) {
      if (attempt >= 4 || !String(err).includes("Address already in use")) throw err;
      port = await freePort();
      url = `${scheme}://127.0.0.1:${port}`;
    }
  }
  return {
    url,
    port,
    output: () => log,
    stop: kill,
    restart: async () => {
      await kill();
      await launch();
    },
    dispose: async () => {
      await kill();
      await rm(stateDir, { recursive: true, force: true });
    },
  };
}
