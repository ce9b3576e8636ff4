// The processes behind one `wrangler dev` (found by its port in /proc) and their CPU time and memory.
// Resolved again for every measurement: `wrangler dev` replaces its runtime workerd (a new pid) when a
// watched file changes, and a figure taken across that swap is not a measurement.
import { readdirSync, readFileSync } from "node:fs";

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ, 100 on Linux). */
const HZ = 100;

export interface DevProcesses {
  /** the workerd that runs the Worker and its Durable Objects */
  runtime: number;
  /** the workerd in front of it that owns the public port (wrangler's proxy) */
  proxy: number;
  /** wrangler's own Node process */
  wrangler: number;
}

function cmdline(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
  } catch {
    return [];
  }
}

function parentOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
}

/** Finds the proxy (its workerd listens on `port`), its parent (wrangler) and the sibling runtime. */
export function devProcesses(port: number): DevProcesses {
  const pids = readdirSync("/proc")
    .filter((d) => /^\d+$/.test(d))
    .map(Number);
  const workerds = pids.filter((p) => cmdline(p)[0]?.endsWith("/workerd"));
  const proxy = workerds.find((p) => cmdline(p).includes(`--socket-addr=entry=127.0.0.1:${port}`));
  if (proxy === undefined) throw new Error(`no workerd listens on 127.0.0.1:${port}`);
  const wrangler = parentOf(proxy);
  const runtime = workerds.find((p) => p !== proxy && parentOf(p) === wrangler);
  if (runtime === undefined) throw new Error(`no runtime workerd beside the proxy ${proxy}`);
  return { runtime, proxy, wrangler };
}

/**
 * The same, waiting (bounded) while the server is between two runtimes: during a restart the proxy
 * briefly has no runtime beside it.
 */
export async function settledProcesses(port: number, timeoutMs = 15_000): Promise<DevProcesses> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return devProcesses(port);
    } catch (err) {
      if (performance.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** User + system CPU seconds used so far by one process (NaN once it is gone: never a silent 0). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / HZ;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds per thread kind of a process: `main` (the thread that runs the isolate's JavaScript and
 * the runtime's I/O), and the others by name without their number (e.g. `V8 DefaultWorke`: V8's
 * garbage collection and compilation helpers). Threads that exit in between are not counted.
 */
export function threadCpuSeconds(pid: number): Map<string, number> {
  const byKind = new Map<string, number>();
  let tids: string[];
  try {
    tids = readdirSync(`/proc/${pid}/task`);
  } catch {
    return byKind;
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, "utf8");
      const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const kind =
        Number(tid) === pid
          ? "main"
          : readFileSync(`/proc/${pid}/task/${tid}/comm`, "utf8").trim().replace(/\d+$/, "");
      byKind.set(kind, (byKind.get(kind) ?? 0) + (Number(f[11]) + Number(f[12])) / HZ);
    } catch {
      // the thread exited
    }
  }
  return byKind;
}

/** Resident memory in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

export type CpuShare = Record<string, number>;

export interface CpuUse {
  /** each process's share of one core over the window (1 = 100%); NaN for a replaced process */
  share: CpuShare;
  /** CPU seconds each process used in the window; NaN for a replaced process */
  seconds: CpuShare;
  /** the processes that exited or were replaced (a new pid) during the window, e.g. ["runtime"] */
  replaced: string[];
}

/**
 * Starts a CPU window over named processes; `resolve` names their pids now, and is asked again when the
 * window stops: a name whose pid changed (or that can no longer be resolved) is reported as replaced.
 */
export function cpuWindow(resolve: () => Record<string, number>): { stop(): CpuUse } {
  const pids = resolve();
  const t0 = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000;
      const used = Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p) - (before[k] ?? 0)] as const);
      let now: Record<string, number> = {};
      try {
        now = resolve();
      } catch {
        // between two runtimes: every process not found again counts as replaced
      }
      const replaced = used.filter(([k, s]) => now[k] !== pids[k] || Number.isNaN(s)).map(([k]) => k);
      const seconds = Object.fromEntries(used.map(([k, s]) => [k, replaced.includes(k) ? Number.NaN : s]));
      const share = Object.fromEntries(Object.entries(seconds).map(([k, s]) => [k, wall > 0 ? s / wall : 0]));
      return { share, seconds, replaced };
    },
  };
}

/**
 * Waits until the process is quiet (under 10% of a core over half a second), at most `maxMs`; returns
 * the seconds waited. After a mass close the local runtime keeps working long after the clients saw
 * their close frames (the bare DO's 2,000 closes in one room: about two minutes), which would leak
 * into the next scenario's figures.
 */
export async function waitQuiet(pid: () => number, maxMs = 120_000): Promise<number> {
  const t0 = performance.now();
  /** the pid now, -1 between two runtimes (it is re-resolved each time: a restart brings a new one) */
  const current = () => {
    try {
      return pid();
    } catch {
      return -1;
    }
  };
  let was = current();
  let last = cpuSeconds(was);
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 500));
    const p = current();
    const now = cpuSeconds(p);
    if (p === was && now - last < 0.05) break;
    was = p;
    last = now;
  }
  return Number(((performance.now() - t0) / 1000).toFixed(1));
}
