// The bench's measurements: a fan-out window at an offered rate, a connection storm, idle memory per
// connection, and the saturation ramp. Each is bounded in sockets and time.
import type WebSocket from "ws";
import { closeAll, openSockets, payload, Recorder, spread } from "./fleet.ts";
import { type CpuShare, cpuWindow, type DevProcesses, rssBytes, settledProcesses } from "./procs.ts";
import type { Target } from "./targets.ts";

let windows = 0;
let runs = 0;

/** A fresh room-name prefix, so no scenario sees another's history or sockets. */
export function freshPrefix(what: string): string {
  return `${what}-${process.pid}-${++runs}`;
}

/**
 * The processes whose CPU a window reports (the runtime, wrangler's proxy, wrangler, the load generator),
 * resolved each time it is called; waits first while the server is between two runtimes.
 */
async function watched(t: Target): Promise<() => Record<string, number>> {
  await settledProcesses(t.server.port);
  return () => {
    const p = t.procs;
    return { runtime: p.runtime, proxy: p.proxy, wrangler: p.wrangler, loadgen: process.pid };
  };
}

/** The server processes whose pid differs between two readings (a restart in between). */
function replacedBetween(a: DevProcesses, b: DevProcesses): string[] {
  return (["runtime", "proxy", "wrangler"] as const).filter((k) => a[k] !== b[k]);
}

export interface WindowResult {
  offered: number;
  expected: number;
  delivered: number;
  /** delivered / expected */
  share: number;
  drops: number;
  deliveriesPerSecond: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  cpu: CpuShare;
  /** runtime CPU per publish (its fan-out included), µs: steadier than rates on a busy machine */
  runtimeUsPerPublish: number;
  /** server processes restarted during the window (then its figures are not measurements): [] */
  replaced: string[];
}

/** Connected rooms of one target, with the recorder their sockets report to. */
export interface Fleet {
  target: Target;
  rooms: WebSocket[][];
  recorder: Recorder;
}

export async function connectFleet(target: Target, rooms: number, clients: number): Promise<Fleet> {
  const recorder = new Recorder();
  const specs = spread(freshPrefix("fan"), rooms, clients);
  const opened = await openSockets(target, specs, { concurrency: 50, timeoutMs: 30_000, recorder });
  if (opened.failures > 0) {
    await closeAll(opened.sockets);
    throw new Error(
      `${target.name}: ${opened.failures} of ${specs.length} sockets failed: ${opened.errors[0]}`,
    );
  }
  const byRoom: WebSocket[][] = [];
  for (let r = 0; r < rooms; r++) byRoom.push(opened.sockets.slice(r * clients, (r + 1) * clients));
  return { target, rooms: byRoom, recorder };
}

/**
 * Every socket publishes `perClient` messages/s for `seconds` (round robin, so rooms get equal load);
 * each publish is expected at every other socket of its room. Waits up to `drainMs` after the last send.
 */
export async function fanoutWindow(
  f: Fleet,
  o: { perClient: number; seconds: number; drainMs: number },
): Promise<WindowResult> {
  const window = ++windows;
  const all = f.rooms.flatMap((sockets) => sockets.map((ws) => ({ ws, others: sockets.length - 1 })));
  const rate = all.length * o.perClient;
  const total = Math.max(1, Math.round(rate * o.seconds));
  const pids = await watched(f.target);
  f.recorder.begin(window);
  const cpu = cpuWindow(pids);
  const t0 = performance.now();
  let sent = 0;
  let expected = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate) + 1);
      for (; sent < due; sent++) {
        const s = all[sent % all.length];
        if (s === undefined) break;
        s.ws.send(f.target.publishFrame(payload(window)));
        expected += s.others;
      }
      if (sent >= total) {
        clearInterval(timer);
        resolve();
      }
    };
    const timer = setInterval(tick, 2);
    tick();
  });
  await f.recorder.until(expected, o.drainMs);
  const use = cpu.stop();
  const r = f.recorder;
  const elapsed = Math.max(o.seconds, ((r.lastAt || performance.now()) - t0) / 1000);
  return {
    offered: Math.round(rate * (all[0]?.others ?? 0)),
    expected,
    delivered: r.delivered,
    share: expected > 0 ? r.delivered / expected : 1,
    drops: Math.max(0, expected - r.delivered),
    deliveriesPerSecond: Math.round(r.delivered / elapsed),
    ...r.percentiles(),
    cpu: use.share,
    runtimeUsPerPublish: Math.round(((use.seconds.runtime ?? 0) / Math.max(1, sent)) * 1e6),
    replaced: use.replaced.filter((k) => k !== "loadgen"),
  };
}

export interface StormResult {
  sockets: number;
  ok: number;
  failures: number;
  errors: string[];
  seconds: number;
  connPerSecond: number;
  cpu: CpuShare;
  /** CPU ms per ready connection in the runtime and in the proxy */
  runtimeMsPerConn: number;
  proxyMsPerConn: number;
  /** server processes restarted during the storm (then its figures are not measurements): [] */
  replaced: string[];
}

/**
 * Opens `rooms × perRoom` sockets at once (256 handshakes in flight) and times until all are ready.
 * `warm`: the rooms exist already (one socket each opened and closed first), as after a deploy; otherwise
 * the storm also creates them (their storage, for roomcast).
 */
export async function storm(
  target: Target,
  rooms: number,
  perRoom: number,
  o: { warm?: boolean } = {},
): Promise<StormResult> {
  const prefix = freshPrefix("storm");
  const specs = spread(prefix, rooms, perRoom);
  if (o.warm) {
    const first = spread(prefix, rooms, 1).map((s) => ({ ...s, user: s.user + 1_000_000 }));
    const w = await openSockets(target, first, { concurrency: rooms, timeoutMs: 30_000, recorder: null });
    await closeAll(w.sockets);
  }
  const cpu = cpuWindow(await watched(target));
  const opened = await openSockets(target, specs, { concurrency: 256, timeoutMs: 60_000, recorder: null });
  const use = cpu.stop();
  await closeAll(opened.sockets);
  const ok = Math.max(1, opened.sockets.length);
  return {
    sockets: specs.length,
    ok: opened.sockets.length,
    failures: opened.failures,
    errors: opened.errors,
    seconds: opened.seconds,
    connPerSecond: Math.round(opened.sockets.length / opened.seconds),
    cpu: use.share,
    runtimeMsPerConn: Number((((use.seconds.runtime ?? 0) / ok) * 1000).toFixed(2)),
    proxyMsPerConn: Number((((use.seconds.proxy ?? 0) / ok) * 1000).toFixed(2)),
    replaced: use.replaced.filter((k) => k !== "loadgen"),
  };
}

export interface IdleResult {
  sockets: number;
  failures: number;
  connectSeconds: number;
  runtimeBytesPerConn: number;
  proxyBytesPerConn: number;
  runtimeRssBefore: number;
  runtimeRssAfter: number;
  /** per connection again after `hibernateMs` of quiet (the rooms hibernated); null when not measured */
  runtimeBytesPerConnLater: number | null;
  laterSeconds: number;
  /** server processes restarted between the before and after readings (then the figures are not measurements): [] */
  replaced: string[];
}

/** Resident memory of the runtime (and proxy) per open, idle connection: RSS after minus before. */
export async function idleMemory(
  target: Target,
  rooms: number,
  perRoom: number,
  settleMs: number,
  hibernateMs = 0,
): Promise<IdleResult> {
  // Warm the isolate first so its own start-up does not count as per-connection memory.
  const warm = await openSockets(target, spread(freshPrefix("warm"), 1, 4), {
    concurrency: 4,
    timeoutMs: 30_000,
    recorder: null,
  });
  await closeAll(warm.sockets);
  const at0 = await settledProcesses(target.server.port);
  const before = { runtime: rssBytes(at0.runtime), proxy: rssBytes(at0.proxy) };
  const specs = spread(freshPrefix("idle"), rooms, perRoom);
  const opened = await openSockets(target, specs, { concurrency: 64, timeoutMs: 60_000, recorder: null });
  await new Promise((r) => setTimeout(r, settleMs)); // let the last presence frames and pongs go out
  const at1 = await settledProcesses(target.server.port);
  const after = { runtime: rssBytes(at1.runtime), proxy: rssBytes(at1.proxy) };
  const replaced = replacedBetween(at0, at1);
  const n = Math.max(1, opened.sockets.length);
  let later: number | null = null;
  if (hibernateMs > 0) {
    // Quiet long enough for the runtime to evict the rooms (about 10 s) and collect their garbage.
    await new Promise((r) => setTimeout(r, hibernateMs));
    const at2 = await settledProcesses(target.server.port);
    const lost = replacedBetween(at0, at2);
    later = lost.length ? Number.NaN : Math.round((rssBytes(at2.runtime) - before.runtime) / n);
    for (const k of lost) if (!replaced.includes(k)) replaced.push(k);
  }
  await closeAll(opened.sockets);
  return {
    sockets: specs.length,
    failures: opened.failures,
    connectSeconds: opened.seconds,
    runtimeBytesPerConn: Math.round((after.runtime - before.runtime) / n),
    proxyBytesPerConn: Math.round((after.proxy - before.proxy) / n),
    runtimeRssBefore: before.runtime,
    runtimeRssAfter: after.runtime,
    runtimeBytesPerConnLater: later,
    laterSeconds: hibernateMs / 1000,
    replaced,
  };
}

export interface RampStep extends WindowResult {
  publishesPerSecond: number;
  pass: boolean;
}

export interface RampResult {
  clients: number;
  /** highest deliveries/s of a passing step (p99 ≤ 250 ms, nothing lost), 0 if none passed */
  sustained: number;
  steps: RampStep[];
  /** server processes restarted during a step (the ramp stopped there; not a measurement): [] */
  replaced: string[];
}

export const RAMP_P99_MS = 250;

/**
 * One room of `clients`; the total publish rate grows by `factor` per step from `start` until a step
 * loses a message or its p99 exceeds 250 ms (or `maxSteps`).
 */
export async function saturationRamp(
  target: Target,
  clients: number,
  o: { start: number; factor: number; maxSteps: number; seconds: number },
): Promise<RampResult> {
  const fleet = await connectFleet(target, 1, clients);
  const steps: RampStep[] = [];
  let sustained = 0;
  let replaced: string[] = [];
  try {
    let rate = o.start;
    for (let i = 0; i < o.maxSteps; i++) {
      const w = await fanoutWindow(fleet, { perClient: rate / clients, seconds: o.seconds, drainMs: 2000 });
      const pass = w.drops === 0 && w.p99 <= RAMP_P99_MS;
      steps.push({ ...w, publishesPerSecond: Math.round(rate), pass });
      replaced = w.replaced;
      if (replaced.length > 0) break;
      if (!pass) break;
      sustained = Math.max(sustained, w.deliveriesPerSecond);
      rate *= o.factor;
    }
  } finally {
    await closeAll(fleet.rooms.flat());
  }
  return { clients, sustained, steps, replaced };
}
