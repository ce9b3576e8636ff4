// The live room directory's shared facts: which directory object holds a room, what a report carries,
// and the timing (report interval, heartbeat, TTL). Shared by the rooms (they report) and the worker
// (it lists), so both compute the same answer from the same [vars].
import { hashUserId } from "./sharding.ts";

/**
 * Directory objects the rooms are split over by `hash(room) mod DIRECTORY_OBJECTS`. Fixed: changing
 * it moves rooms between objects (they reappear within one heartbeat, the old entries expire).
 * A `GET /rooms` page calls every one of them, so it must stay within the Workers Free plan's 50
 * subrequests per request (64 did not). At 100,000 rooms that is about 3,100 rooms and at most ~310
 * reports/s per object (docs/protocol.md).
 */
export const DIRECTORY_OBJECTS = 32;

/** Subrequests one Worker request may make on the Workers Free plan (Paid: 10,000). */
export const FREE_PLAN_SUBREQUESTS = 50;

/** Default of DIRECTORY_REPORT_SECONDS: a changing room reports at most this often. */
export const DEFAULT_REPORT_SECONDS = 10;

/** One room as a report carries it and `GET /rooms` lists it: the contract's shape. */
export type { RoomEntry } from "../shared/protocol.ts";

/** The directory object's name for a room's entry: `directory-<k>`. */
export function directoryName(room: string): string {
  return directoryObject(hashUserId(room) % DIRECTORY_OBJECTS);
}

export function directoryObject(k: number): string {
  return `directory-${k}`;
}

/**
 * The timing that follows from DIRECTORY_REPORT_SECONDS (R): a room with sockets heartbeats from 3R
 * after its last report (at its next alarm, which it wants by 6R), and an entry lives 7R after its
 * last report: a room that crashed or was evicted with its sockets leaves the list within 7R.
 */
export function directoryTiming(reportSeconds: number): {
  reportMs: number;
  heartbeatMs: number;
  ttlMs: number;
} {
  const reportMs = reportSeconds * 1000;
  return { reportMs, heartbeatMs: 3 * reportMs, ttlMs: 7 * reportMs };
}
