// The room's pure decisions with plain numbers: rate limit, deadlines, resume plans, close codes, sizes.
import { describe, it } from "vitest";
import { planResume } from "../../src/room/log/resume.ts";
import { dueForClose, nextDeadline } from "../../src/room/sockets/deadlines.ts";
import { reciprocalCode } from "../../src/room/sockets/frames/close-codes.ts";
import {
  floodLimitExceeded,
  fullBucket,
  nextStreak,
  take,
} from "../../src/room/sockets/frames/rate-limit.ts";
import { utf8Exceeds } from "../../src/shared/utf8.ts";

describe("token bucket", () => {
  it("allows a burst of 2× rate, then refills at rate per second", ({ expect }) => {
    let b = fullBucket(10, 0);
    let ok = 0;
    for (let i = 0; i < 25; i++) {
      const r = take(b, 0, 10);
      b = r.bucket;
      if (r.ok) ok++;
    }
    expect(ok).toBe(20);
    expect(take(b, 99, 10).ok).toBe(false);
    expect(take(b, 100, 10).ok).toBe(true);
    expect(take(fullBucket(10, 0), 60_000, 10).bucket.tokens).toBe(19);
  });

  it("streak: refused frames add up; only getting back under the limit resets it", ({ expect }) => {
    expect(nextStreak(3, false, { tokens: 0, at: 0 })).toBe(4);
    expect(nextStreak(3, true, { tokens: 0.2, at: 0 })).toBe(3);
    expect(nextStreak(3, true, { tokens: 1, at: 0 })).toBe(0);
    expect(floodLimitExceeded(40, 20)).toBe(false);
    expect(floodLimitExceeded(41, 20)).toBe(true);
  });
});

describe("deadlines", () => {
  const s = { lastActive: 1000, expiresAt: 50_000 };
  it("idle after the timeout, expired at exp; expiry wins", ({ expect }) => {
    expect(dueForClose(s, 10_999, 10_000)).toBeNull();
    expect(dueForClose(s, 11_000, 10_000)).toEqual({ code: 4408, reason: "idle timeout" });
    expect(dueForClose(s, 50_000, 10_000)).toEqual({ code: 4401, reason: "token expired" });
    expect(nextDeadline(s, 10_000)).toBe(11_000);
    expect(nextDeadline(s, 100_000)).toBe(50_000);
  });
});

describe("resume plan", () => {
  const b = () => ({ oldest: 11, newest: 60, count: 50 });
  it("covers every case of the contract", ({ expect }) => {
    expect(planResume(null, "e", 60, b)).toEqual({ replayAfter: null, gap: false });
    expect(planResume({ since: 10, epoch: "e" }, "e", 60, b)).toEqual({ replayAfter: 10, gap: false });
    expect(planResume({ since: 9, epoch: "e" }, "e", 60, b)).toEqual({ replayAfter: 9, gap: true });
    expect(planResume({ since: 60, epoch: "e" }, "e", 60, b)).toEqual({ replayAfter: null, gap: false });
    expect(planResume({ since: 61, epoch: "e" }, "e", 60, b)).toEqual({ replayAfter: null, gap: true });
    expect(planResume({ since: 20, epoch: "x" }, "e", 60, b)).toEqual({ replayAfter: null, gap: true });
    const empty = () => ({ oldest: null, newest: null, count: 0 });
    expect(planResume({ since: 0, epoch: "e" }, "e", 0, empty)).toEqual({ replayAfter: null, gap: false });
    expect(planResume({ since: 0, epoch: "e" }, "e", 5, empty)).toEqual({ replayAfter: 0, gap: true });
    expect(planResume({ rewind: 5 }, "e", 60, b)).toEqual({ replayAfter: 55, gap: false });
    expect(planResume({ rewind: 500 }, "e", 60, b)).toEqual({ replayAfter: 0, gap: false });
    expect(planResume({ rewind: 0 }, "e", 60, b)).toEqual({ replayAfter: null, gap: false });
  });
  it("reads the history's bounds only for a resume behind the room's seq", ({ expect }) => {
    let reads = 0;
    const counted = () => {
      reads++;
      return { oldest: 11, newest: 60, count: 50 };
    };
    planResume(null, "e", 60, counted);
    planResume({ rewind: 5 }, "e", 60, counted);
    planResume({ since: 60, epoch: "e" }, "e", 60, counted);
    planResume({ since: 20, epoch: "x" }, "e", 60, counted);
    expect(reads).toBe(0);
    planResume({ since: 20, epoch: "e" }, "e", 60, counted);
    expect(reads).toBe(1);
  });
});

describe("close codes to reciprocate", () => {
  it("maps unsendable codes", ({ expect }) => {
    expect([1000, 1001, 1005, 1006, 1015, 4000, 3000, 4999].map(reciprocalCode)).toEqual([
      1000, 1001, 1000, 1000, 1000, 4000, 3000, 4999,
    ]);
    expect([999, 1004, 1016, 2999, 5000].map(reciprocalCode)).toEqual([1002, 1002, 1002, 1002, 1002]);
  });
});

describe("utf8Exceeds", () => {
  it("counts UTF-8 bytes, not UTF-16 units", ({ expect }) => {
    expect(utf8Exceeds("a".repeat(10), 10)).toBe(false);
    expect(utf8Exceeds("a".repeat(11), 10)).toBe(true);
    expect(utf8Exceeds("€€€", 9)).toBe(false);
    expect(utf8Exceeds("€€€€", 11)).toBe(true);
    expect(utf8Exceeds("😀😀", 8)).toBe(false);
    expect(utf8Exceeds("😀😀", 7)).toBe(true);
  });
});
