// The processes behind one `wrangler dev` (found by its port in /proc) and their CPU time and memory.
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

/** User + system CPU seconds used so far by one process (0 once it is gone). */
export function cpuSeconds(pid: number): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return (Number(f[11]) + Number(f[12])) / HZ;
  } catch {
    return 0;
  }
}

/** Resident memory in bytes (VmRSS). */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

export type CpuShare = Record<string, number>;

export interface CpuUse {
  /** each process's share of one core over the window (1 = 100%) */
  share: CpuShare;
  /** CPU seconds each process used in the window */
  seconds: CpuShare;
}

/** Starts a CPU window over named processes. */
export function cpuWindow(pids: Record<string, number>): { stop(): CpuUse } {
  const t0 = performance.now();
  const before = Object.fromEntries(Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p)]));
  return {
    stop() {
      const wall = (performance.now() - t0) / 1000;
      const seconds = Object.fromEntries(
        Object.entries(pids).map(([k, p]) => [k, cpuSeconds(p) - (before[k] ?? 0)]),
      );
      const share = Object.fromEntries(Object.entries(seconds).map(([k, s]) => [k, wall > 0 ? s / wall : 0]));
      return { share, seconds };
    },
  };
}

/**
 * Waits until the process is quiet (under 10% of a core over half a second), at most `maxMs`; returns
 * the seconds waited. After a mass close the local runtime keeps working long after the clients saw
 * their close frames (the bare DO's 2,000 closes in one room: about two minutes), which would leak
 * into the next scenario's figures.
 */
export async function waitQuiet(pid: number, maxMs = 120_000): Promise<number> {
  const t0 = performance.now();
  let last = cpuSeconds(pid);
  while (performance.now() - t0 < maxMs) {
    await new Promise((r) => setTimeout(r, 500));
    const now = cpuSeconds(pid);
    if (now - last < 0.05) break;
    last = now;
  }
  return Number(((performance.now() - t0) / 1000).toFixed(1));
}
