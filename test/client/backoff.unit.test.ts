// Backoff: ceilings double up to the cap, full jitter spreads delays over [0, ceiling).
import { describe, expect, it } from "vitest";
import { backoffCeiling, backoffDelay, backoffSettings } from "../../src/client/connection/backoff.ts";
import { RoomcastError } from "../../src/client/types.ts";

const s = backoffSettings({ baseMs: 100, capMs: 5_000 });

describe("backoff", () => {
  it("doubles the ceiling per retry and stops at the cap", () => {
    expect([0, 1, 2, 3, 4, 5, 6].map((r) => backoffCeiling(r, s))).toEqual([
      100, 200, 400, 800, 1600, 3200, 5000,
    ]);
    expect(backoffCeiling(10_000, s)).toBe(5_000);
  });

  it("stays within [0, ceiling) at the extremes of random()", () => {
    expect(backoffDelay(3, s, () => 0)).toBe(0);
    expect(backoffDelay(3, s, () => 0.999999)).toBeLessThan(800);
    expect(backoffDelay(3, s, () => 0.999999)).toBeGreaterThan(790);
    expect(backoffDelay(50, s, () => 0.5)).toBe(2_500);
  });

  it("spreads delays across the whole range (full jitter, not equal or none)", () => {
    const delays = Array.from({ length: 2_000 }, () => backoffDelay(4, s, Math.random));
    const ceiling = backoffCeiling(4, s);
    expect(Math.min(...delays)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...delays)).toBeLessThan(ceiling);
    expect(Math.min(...delays)).toBeLessThan(ceiling * 0.05);
    expect(Math.max(...delays)).toBeGreaterThan(ceiling * 0.95);
    const mean = delays.reduce((a, b) => a + b, 0) / delays.length;
    expect(mean).toBeGreaterThan(ceiling * 0.4);
    expect(mean).toBeLessThan(ceiling * 0.6);
    // Every tenth of the range gets some delays: no clustering.
    const buckets = new Set(delays.map((d) => Math.floor((d / ceiling) * 10)));
    expect(buckets.size).toBe(10);
  });

  it("uses the documented defaults and rejects nonsense", () => {
    expect(backoffSettings(undefined)).toEqual({ baseMs: 500, capMs: 30_000, maxAttempts: Infinity });
    expect(() => backoffSettings({ baseMs: -1 })).toThrow(RoomcastError);
    expect(() => backoffSettings({ capMs: Number.NaN })).toThrow(RoomcastError);
  });
});
