// The room table's order: which column, which direction, and what a click on a header does. Pure.
import type { DirectoryRoom } from "./api.ts";

/** The sortable columns: the directory's fields, plus `rate` (messages per second, from the charts). */
export type SortKey = "room" | "sockets" | "users" | "rate" | "messagesLastMinute" | "seq" | "lastActivity";
export type SortDir = "asc" | "desc";

export interface SortState {
  key: SortKey;
  dir: SortDir;
}

/** A row as sorted: the directory's entry and its current rate. */
export interface SortRow {
  entry: DirectoryRoom;
  rate: number;
}

/** Names ascend by default; numbers and times descend (biggest, busiest and latest first). */
export function defaultDir(key: SortKey): SortDir {
  return key === "room" ? "asc" : "desc";
}

/** A click on `key`'s header: the same column flips direction, another starts at its default. */
export function nextSort(current: SortState, key: SortKey): SortState {
  if (current.key === key) return { key, dir: current.dir === "asc" ? "desc" : "asc" };
  return { key, dir: defaultDir(key) };
}

function value(row: SortRow, key: SortKey): number | string {
  return key === "rate" ? row.rate : row.entry[key];
}

/** Sorts rows by the state; ties (and the name column) compare room names, always ascending. */
export function sortRows<T extends SortRow>(rows: readonly T[], s: SortState): T[] {
  const sign = s.dir === "asc" ? 1 : -1;
  const byName = (a: T, b: T) => (a.entry.room < b.entry.room ? -1 : a.entry.room > b.entry.room ? 1 : 0);
  return [...rows].sort((a, b) => {
    const va = value(a, s.key);
    const vb = value(b, s.key);
    const c = typeof va === "number" && typeof vb === "number" ? va - vb : 0;
    if (s.key === "room") return sign * byName(a, b);
    return c !== 0 ? sign * c : byName(a, b);
  });
}
