// A room object's metrics (docs/metrics.md): counters in memory, written to the METRICS dataset as one
// `traffic` point (plus one point per refusal code and per close code seen) at most once per interval.
//
// Why aggregated: a data point per frame would bill a point per message and cost CPU on the hot path.
// Counting is an integer increment; the interval's first count writes at once, the rest of the
// interval is folded into one write at its end (a timer of at most METRICS_INTERVAL_MS, which keeps
// the object awake that long, no longer than the runtime's own idle wait before hibernating).
// Without the binding every method returns at once: nothing is counted, no timer is set.
import type { Log } from "../../server/logger.ts";
import {
  type MetricsDataset,
  type MetricsPoint,
  metricsDataset,
  type PointSource,
  point,
  TRAFFIC_DOUBLES,
  type Traffic,
  type TrafficCounter,
  trafficPoint,
  writePoint,
} from "../../server/metrics.ts";
import { errorMessage, readErrorBody } from "../../shared/errors.ts";
import { utf8Length } from "../../shared/utf8.ts";
import { type Clock, Throttle } from "../presence/throttle.ts";

/** At most one write (a traffic point and its refusal and close points) per object per 10 s. */
export const METRICS_INTERVAL_MS = 10_000;

/** Failures counted where they are logged: the log event's name → its counter. */
const FAILURE_EVENTS = new Map<string, TrafficCounter>([
  ["storage_failed", "storage_failures"],
  ["depart_failed", "storage_failures"],
  ["hook_failed", "hook_failures"],
  ["events_failed", "queue_failures"],
]);

/** Where the object's points come from (null while it does not know its room yet) and its open sockets. */
export type Describe = () => (PointSource & { sockets: number }) | null;

const realClock: Clock = { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) };

const zero = (): Traffic =>
  Object.fromEntries(TRAFFIC_DOUBLES.map((k) => [k, 0] as const)) as Record<TrafficCounter, number>;

export class RoomMetrics {
  /** @internal The dataset points go to (a test may swap in a recording one); null: metrics are off. */
  target: MetricsDataset | null;
  /** @internal What `record()` collected, for tests. */
  recorded: MetricsPoint[] | null = null;
  readonly #describe: Describe;
  readonly #log: Log;
  readonly #clock: Clock;
  readonly #throttle: Throttle;
  #traffic = zero();
  readonly #refused = new Map<string, number>();
  readonly #closed = new Map<number, number>();
  /** publishes written since the last durable commit */
  #uncommitted = 0;
  #dirty = false;
  #since: number;

  constructor(env: object, describe: Describe, log: Log, clock: Clock = realClock) {
    this.target = metricsDataset(env);
    this.#describe = describe;
    this.#log = log;
    this.#clock = clock;
    this.#since = clock.now();
    this.#throttle = new Throttle(METRICS_INTERVAL_MS, clock, () => this.flush());
  }

  /**
   * @internal Test seam: points go to an in-memory list from now on (returned); what was counted
   * before is dropped.
   */
  record(): MetricsPoint[] {
    const recorded: MetricsPoint[] = [];
    this.recorded = recorded;
    this.target = { writeDataPoint: (p) => void recorded.push(p) };
    this.#reset();
    return recorded;
  }

  /**
   * Counts an upgrade's answer: a connect (timed, by the runtime's clock, which moves only across I/O:
   * storage, hooks, a shard's call to its sequencer) or a refusal by its error code.
   */
  async admitted(admit: () => Promise<Response>): Promise<Response> {
    if (this.target === null) return admit();
    const started = this.#clock.now();
    const answer = await admit();
    if (answer.status === 101) this.connected(this.#clock.now() - started);
    else this.refused(await refusalCode(answer));
    return answer;
  }

  /** A socket was admitted, `ms` after its upgrade reached the object. */
  connected(ms: number): void {
    if (this.target === null) return;
    const t = this.#traffic;
    t.connects++;
    t.connect_ms_sum += ms;
    if (ms > t.connect_ms_max) t.connect_ms_max = ms;
    this.#changed();
  }

  /** An upgrade was refused with the contract's error `code` (room_full, banned, …). */
  refused(code: string): void {
    if (this.target === null) return;
    this.#traffic.refusals++;
    this.#refused.set(code, (this.#refused.get(code) ?? 0) + 1);
    this.#changed();
  }

  /** A socket left with `code` (the client's, or the one the room closed it with). */
  closed(code: number): void {
    if (this.target === null) return;
    this.#traffic.closes++;
    this.#closed.set(code, (this.#closed.get(code) ?? 0) + 1);
    this.#changed();
  }

  /** A message was written to the log (duplicates and refusals are not). */
  published(): void {
    if (this.target === null) return;
    this.#traffic.publishes++;
    this.#uncommitted++;
    this.#changed();
  }

  /** Everything written so far is durable: one batch, if it held a message. */
  committed(): void {
    if (this.target === null || this.#uncommitted === 0) return;
    this.#uncommitted = 0;
    this.#traffic.batches++;
    this.#changed();
  }

  /** A commit's delivery sent `frames` frames (message and batch frames) to this object's sockets. */
  delivered(frames: number): void {
    if (this.target === null || frames === 0) return;
    this.#traffic.deliveries += frames;
    this.#changed();
  }

  /** `send` of a joining socket's replay, counting the messages and their UTF-8 bytes on the way. */
  replaying(send: (frames: string[]) => void): (frames: string[]) => void {
    if (this.target === null) return send;
    return (frames) => {
      const t = this.#traffic;
      t.replayed += frames.length;
      for (const f of frames) t.replayed_bytes += utf8Length(f);
      this.#changed();
      send(frames);
    };
  }

  /** The object's log, counting the failures it reports (storage, hooks, the events queue). */
  counting(log: Log): Log {
    return (level, fields) => {
      const counter = FAILURE_EVENTS.get(fields.event);
      if (counter !== undefined && this.target !== null) {
        this.#traffic[counter]++;
        this.#changed();
      }
      log(level, fields);
    };
  }

  /**
   * Writes what was counted since the last write (nothing when nothing was counted, or while the
   * object does not know its room yet). The throttle calls it; a test may call it at any time.
   */
  flush(): void {
    const target = this.target;
    if (target === null || !this.#dirty) return;
    const from = this.#describe();
    if (from === null) return;
    this.#throttle.ran();
    const now = this.#clock.now();
    const traffic = { ...this.#traffic, sockets: from.sockets, interval_ms: now - this.#since };
    const points = [trafficPoint(from, traffic)];
    for (const [code, n] of this.#refused) points.push(point(from, "refused", code, [n]));
    for (const [code, n] of this.#closed) points.push(point(from, "closed", String(code), [n]));
    this.#reset();
    this.#since = now;
    for (const p of points) {
      writePoint(target, p, (err) =>
        this.#log("warn", { event: "metrics_failed", room: from.room, error: errorMessage(err) }),
      );
    }
  }

  #changed(): void {
    this.#dirty = true;
    this.#throttle.request();
  }

  #reset(): void {
    this.#traffic = zero();
    this.#refused.clear();
    this.#closed.clear();
    this.#dirty = false;
  }
}

/** The contract's error code of a refused upgrade (its JSON body), or its status when it has none. */
async function refusalCode(answer: Response): Promise<string> {
  try {
    return readErrorBody(await answer.clone().json())?.code ?? String(answer.status);
  } catch {
    return String(answer.status);
  }
}
