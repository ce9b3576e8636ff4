// Metrics on Workers Analytics Engine (the optional METRICS binding, docs/metrics.md): the data point
// layout, shared by the rooms (one aggregated point per interval) and the worker (one per refused
// upgrade). Without the binding nothing is written and nothing is counted against a bill.

/** The binding's name in wrangler.toml (`[[analytics_engine_datasets]] binding = "METRICS"`). */
export const METRICS_BINDING = "METRICS";

/** The part of an Analytics Engine dataset binding the metrics use. */
export interface MetricsDataset {
  writeDataPoint(point: MetricsPoint): void;
}

/** One data point as `writeDataPoint` takes it. */
export interface MetricsPoint {
  blobs: string[];
  doubles: number[];
  indexes: [string];
}

/** Analytics Engine's limits per data point [Cloudflare docs]: the index is at most 96 bytes. */
export const INDEX_MAX_BYTES = 96;

/** blob1: what a point counts. */
export type Series = "traffic" | "refused" | "closed";

/** blob3: which object (or the worker) wrote the point. */
export type Source = "room" | "shard" | "sequencer" | "worker";

/**
 * The doubles of a `traffic` point, in order (double1 … double15): counts since the object's previous
 * point, except `sockets` (open sockets at the time of the point) and `connect_ms_max`.
 */
export const TRAFFIC_DOUBLES = [
  "connects",
  "refusals",
  "closes",
  "publishes",
  "batches",
  "deliveries",
  "replayed",
  "replayed_bytes",
  "storage_failures",
  "hook_failures",
  "queue_failures",
  "sockets",
  "connect_ms_sum",
  "connect_ms_max",
  "interval_ms",
] as const;

export type TrafficCounter = (typeof TRAFFIC_DOUBLES)[number];
export type Traffic = Record<TrafficCounter, number>;

/** Where a point comes from: the room (its full name, also the index), the object, a shard's number. */
export interface PointSource {
  room: string;
  source: Source;
  shard: number | null;
}

const encoder = new TextEncoder();

/**
 * The index (Analytics Engine samples per index): the room name, cut to 96 bytes. Room names are at
 * most 64 ASCII characters (ROOM_NAME), so this only guards a name that did not come through the gate.
 */
export function indexOf(room: string): string {
  const bytes = encoder.encode(room);
  if (bytes.byteLength <= INDEX_MAX_BYTES) return room;
  return new TextDecoder().decode(bytes.slice(0, INDEX_MAX_BYTES)).replace(/\uFFFD+$/, "");
}

/**
 * A data point: blob1 series, blob2 room, blob3 source, blob4 detail (a refusal's code, a close code,
 * "" for traffic), blob5 the shard's number ("" elsewhere); index1 the room.
 */
export function point(from: PointSource, series: Series, detail: string, doubles: number[]): MetricsPoint {
  return {
    blobs: [series, from.room, from.source, detail, from.shard === null ? "" : String(from.shard)],
    doubles,
    indexes: [indexOf(from.room)],
  };
}

/** A `traffic` point: the counters in TRAFFIC_DOUBLES order. */
export function trafficPoint(from: PointSource, t: Traffic): MetricsPoint {
  return point(
    from,
    "traffic",
    "",
    TRAFFIC_DOUBLES.map((k) => t[k]),
  );
}

/** The METRICS binding of `env`, or null when it is not bound (metrics off). */
export function metricsDataset(env: object): MetricsDataset | null {
  const d = (env as Record<string, unknown>)[METRICS_BINDING] as MetricsDataset | undefined;
  return typeof d?.writeDataPoint === "function" ? d : null;
}

/**
 * Writes a point and never throws: metrics must not break what they measure. True when written.
 * (A binding may throw on a point over its limits; the layout above stays well within them.)
 */
export function writePoint(dataset: MetricsDataset, p: MetricsPoint, log: (error: unknown) => void): boolean {
  try {
    dataset.writeDataPoint(p);
    return true;
  } catch (err) {
    log(err);
    return false;
  }
}
