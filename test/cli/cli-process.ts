// Runs the real `roomcast` CLI (src/cli/bin.ts, run by the project's Node 22) as a child process and awaits its JSON output lines.
import { type ChildProcess, spawn } from "node:child_process";
import { EventEmitter } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { ROOT } from "../support/dev-server.ts";

export const BIN = join(ROOT, "src/cli/bin.ts");

/** One JSON object the CLI wrote on stdout. */
export type CliEvent = Record<string, unknown> & { type: string };

export interface CliProcess {
  child: ChildProcess;
  /** Every JSON line so far, parsed. */
  events: CliEvent[];
  stdout(): string;
  stderr(): string;
  /** The first event (at or after index `from`) that matches; rejects after `timeoutMs` or when the CLI exits first. */
  waitFor(
    what: string,
    match: (ev: CliEvent) => boolean,
    opts?: { timeoutMs?: number; from?: number },
  ): Promise<CliEvent>;
  /** Writes one line to the CLI's stdin. */
  send(line: string): void;
  /** Closes stdin (EOF). */
  end(): void;
  /** Resolves when the process exited. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export interface RunOptions {
  env?: Record<string, string>;
  cwd?: string;
}

/** The child's environment: this one without AUTH_SECRET (tests choose the secret source), plus `env`. */
function childEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: "1", ...extra };
  if (!("AUTH_SECRET" in extra)) delete env.AUTH_SECRET;
  return env;
}

function isEvent(v: unknown): v is CliEvent {
  return typeof v === "object" && v !== null && "type" in v && typeof v.type === "string";
}

/** A stdout line as an event; anything that is not a JSON object with a `type` shows up as `unparsed`. */
function toEvent(line: string): CliEvent {
  try {
    const v: unknown = JSON.parse(line);
    if (isEvent(v)) return v;
  } catch {
    // not JSON: reported below
  }
  return { type: "unparsed", line };
}

/** `ev[a][b]` when both levels exist. */
export function field(ev: CliEvent, a: string, b: string): unknown {
  const inner: unknown = ev[a];
  return typeof inner === "object" && inner !== null && b in inner
    ? (inner as Record<string, unknown>)[b]
    : undefined;
}

/** Starts `roomcast <args>` with piped stdio (so it runs in pipe/JSON mode). */
export function startCli(args: string[], opts: RunOptions = {}): CliProcess {
  // process.execPath is Node 22 here (vitest started through npx); a tmp cwd has no .dev.vars.
  const child = spawn(process.execPath, [BIN, ...args], {
    cwd: opts.cwd ?? tmpdir(),
    env: childEnv(opts.env),
    stdio: ["pipe", "pipe", "pipe"],
  });
  const events: CliEvent[] = [];
  const bus = new EventEmitter();
  let out = "";
  let err = "";
  let partial = "";
  child.stdout?.on("data", (d: Buffer) => {
    out += d.toString();
    partial += d.toString();
    for (let nl = partial.indexOf("\n"); nl !== -1; nl = partial.indexOf("\n")) {
      const line = partial.slice(0, nl);
      partial = partial.slice(nl + 1);
      if (line.trim() === "") continue;
      events.push(toEvent(line));
      bus.emit("event");
    }
  });
  child.stderr?.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once("exit", (code, signal) => {
      bus.emit("exit");
      resolve({ code, signal });
    });
  });

  const describe = () => `\n--- stdout:\n${out.slice(-3000)}\n--- stderr:\n${err.slice(-2000)}`;

  const waitFor: CliProcess["waitFor"] = (what, match, o = {}) =>
    new Promise<CliEvent>((resolve, reject) => {
      let index = o.from ?? 0;
      const check = (): boolean => {
        for (; index < events.length; index++) {
          const ev = events[index];
          if (ev && match(ev)) {
            done();
            resolve(ev);
            return true;
          }
        }
        return false;
      };
      const onExit = () => {
        if (check()) return;
        done();
        reject(new Error(`roomcast ${args[0]} exited (${child.exitCode}) before ${what}${describe()}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`timed out after ${o.timeoutMs ?? 20_000} ms waiting for ${what}${describe()}`));
      }, o.timeoutMs ?? 20_000);
      const done = () => {
        clearTimeout(timer);
        bus.off("event", check);
        bus.off("exit", onExit);
      };
      bus.on("event", check);
      bus.on("exit", onExit);
      if (check()) return;
      if (child.exitCode !== null || child.signalCode !== null) onExit();
    });

  return {
    child,
    events,
    stdout: () => out,
    stderr: () => err,
    waitFor,
    send: (line) => {
      child.stdin?.write(`${line}\n`);
    },
    end: () => {
      child.stdin?.end();
    },
    exited,
  };
}

/** Runs a short CLI command to its end; rejects if it takes longer than `timeoutMs`. */
export async function runCli(
  args: string[],
  opts: RunOptions & { stdin?: string; timeoutMs?: number } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const cli = startCli(args, opts);
  cli.child.stdin?.end(opts.stdin ?? "");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      stopCli(cli);
      reject(
        new Error(
          `roomcast ${args.join(" ")} did not finish in ${opts.timeoutMs ?? 30_000} ms\n${cli.stderr()}`,
        ),
      );
    }, opts.timeoutMs ?? 30_000);
  });
  try {
    const { code } = await Promise.race([cli.exited, timeout]);
    return { code, stdout: cli.stdout(), stderr: cli.stderr() };
  } finally {
    clearTimeout(timer);
  }
}

/** Kills a CLI we started (by its pid) if it is still running. */
export function stopCli(cli: CliProcess): void {
  if (cli.child.exitCode === null && cli.child.signalCode === null) cli.child.kill("SIGKILL");
}

/** Matchers for common events. */
export const is = {
  synced: (ev: CliEvent) => ev.type === "synced",
  message: (data: unknown) => (ev: CliEvent) =>
    ev.type === "message" && JSON.stringify(ev.data) === JSON.stringify(data),
  state: (status: string) => (ev: CliEvent) => ev.type === "state" && ev.status === status,
  presence: (event: "join" | "leave", user: string) => (ev: CliEvent) =>
    ev.type === "presence" && ev.event === event && field(ev, "user", "id") === user,
};
