// Pure parts of the admin page: the charts' series and rate, the sparkline paths, sorting, ban input
// and the wording of failures.
import { describe, expect, it } from "vitest";
import type { DirectoryRoom } from "../../src/web/admin/api.ts";
import { parseBanSeconds } from "../../src/web/admin/members-list.ts";
import { MAX_BACKOFF_MS, POLL_MS, retryDelay } from "../../src/web/admin/poller.ts";
import {
  MIN_SPAN_MS,
  messageRate,
  RATE_WINDOW_MS,
  type Sample,
  SeriesStore,
  WINDOW_MS,
} from "../../src/web/admin/series.ts";
import { nextSort, sortRows } from "../../src/web/admin/sort.ts";
import { areaPath, linePath, scaleMax } from "../../src/web/admin/sparkline.ts";
import { ago, explainFailure, formatRate, kickResult } from "../../src/web/admin/text.ts";

function entry(room: string, o: Partial<DirectoryRoom> = {}): DirectoryRoom {
  return {
    room,
    sockets: 1,
    users: 1,
    seq: 0,
    messagesLastMinute: 0,
    sharded: false,
    lastActivity: 0,
    reportedAt: 0,
    ...o,
  };
}

function sample(t: number, seq: number): Sample {
  return { t, seq, sockets: 1, users: 1, rate: 0 };
}

describe("messageRate", () => {
  it("starts from the directory's messages in the last minute", () => {
    expect(messageRate([], entry("a", { messagesLastMinute: 120 }), 1000)).toBe(2);
  });

  it("averages seq gained over the rate window, not over the last poll", () => {
    // Polls every 2 s, the room reports every 10 s: seq steps 0 → 50 at t=10 s.
    const earlier = [0, 2000, 4000, 6000, 8000].map((t) => sample(t, 0));
    expect(messageRate(earlier, entry("a", { seq: 50 }), 10_000)).toBe(5);
    // Two seconds later seq has not moved, and the rate still reads 5 (measured from t=2 s).
    const later = [...earlier, sample(10_000, 50)];
    expect(messageRate(later, entry("a", { seq: 50 }), 12_000)).toBe(5);
  });

  it("uses the oldest sample while the page is younger than the window", () => {
    expect(messageRate([sample(0, 10)], entry("a", { seq: 16 }), 3000)).toBe(2);
    expect(RATE_WINDOW_MS).toBeGreaterThan(3000);
  });

  it("falls back to zero after a message-less window, and counts from 0 after a reset", () => {
    const quiet = [sample(0, 50), sample(10_000, 50)];
    expect(messageRate(quiet, entry("a", { seq: 50 }), 20_000)).toBe(0);
    expect(messageRate([sample(0, 90)], entry("a", { seq: 4 }), 2000)).toBe(2);
  });
});

describe("SeriesStore", () => {
  it("adds one sample per poll, forgets rooms no longer listed, and trims to the window", () => {
    const s = new SeriesStore(10_000);
    s.record([entry("a", { sockets: 1 }), entry("b")], 0);
    s.record([entry("a", { sockets: 3 })], 2000);
    expect(s.points("a", "sockets")).toEqual([
      { t: 0, v: 1 },
      { t: 2000, v: 3 },
    ]);
    expect(s.points("b", "sockets")).toEqual([]);
    for (let t = 4000; t <= 30_000; t += 2000) s.record([entry("a")], t);
    const times = s.points("a", "users").map((p) => p.t);
    // One sample just before the window is kept as the chart's left edge.
    expect(times[0]).toBe(18_000);
    expect(times.at(-1)).toBe(30_000);
    expect(s.latest("a")?.t).toBe(30_000);
    s.clear();
    expect(s.latest("a")).toBeUndefined();
  });

  it("spans the time watched, from one minute up to the window", () => {
    const s = new SeriesStore();
    expect(s.span(0)).toBe(MIN_SPAN_MS);
    s.record([entry("a")], 1000);
    expect(s.span(31_000)).toBe(MIN_SPAN_MS);
    expect(s.span(121_000)).toBe(120_000);
    expect(s.span(3_600_000)).toBe(WINDOW_MS);
    s.clear();
    expect(s.span(3_600_000)).toBe(MIN_SPAN_MS);
  });
});

describe("sparkline paths", () => {
  const frame = { width: 100, height: 22, from: 0, to: 1000, max: 10 };

  it("maps time to x and value to y, with a pixel free at top and bottom", () => {
    expect(
      linePath(
        [
          { t: 0, v: 0 },
          { t: 500, v: 10 },
          { t: 1000, v: 5 },
        ],
        frame,
      ),
    ).toBe("M0 21L50 1L100 11");
  });

  it("draws nothing without points, a dot for one, and closes the area to the bottom", () => {
    expect(linePath([], frame)).toBe("");
    expect(linePath([{ t: 1000, v: 0 }], frame)).toBe("M100 21h-1");
    expect(areaPath([{ t: 1000, v: 0 }], frame)).toBe("");
    expect(
      areaPath(
        [
          { t: 500, v: 10 },
          { t: 1000, v: 10 },
        ],
        frame,
      ),
    ).toBe("M50 1L100 1L100 22L50 22Z");
  });

  it("scales to the whole number above the peak, at least 1", () => {
    expect(scaleMax([])).toBe(1);
    expect(scaleMax([{ t: 0, v: 0.2 }])).toBe(1);
    expect(scaleMax([{ t: 0, v: 2.5 }])).toBe(3);
  });
});

describe("sorting", () => {
  const rows = [
    { entry: entry("b", { sockets: 2 }), rate: 0.5 },
    { entry: entry("a", { sockets: 2 }), rate: 3 },
    { entry: entry("c", { sockets: 9 }), rate: 0 },
  ];
  const names = (s: Parameters<typeof sortRows>[1]) => sortRows(rows, s).map((r) => r.entry.room);

  it("sorts names up, figures down by default, ties by name", () => {
    expect(names({ key: "room", dir: "asc" })).toEqual(["a", "b", "c"]);
    expect(names(nextSort({ key: "room", dir: "asc" }, "sockets"))).toEqual(["c", "a", "b"]);
    expect(names({ key: "rate", dir: "desc" })).toEqual(["a", "b", "c"]);
  });

  it("flips direction when the same header is clicked again", () => {
    const once = nextSort({ key: "room", dir: "asc" }, "sockets");
    expect(once).toEqual({ key: "sockets", dir: "desc" });
    expect(nextSort(once, "sockets")).toEqual({ key: "sockets", dir: "asc" });
    expect(names(nextSort(once, "sockets"))).toEqual(["a", "b", "c"]);
    expect(nextSort({ key: "room", dir: "asc" }, "room")).toEqual({ key: "room", dir: "desc" });
  });
});

describe("text", () => {
  it("formats rates, ages and kick results", () => {
    expect([formatRate(0), formatRate(0.25), formatRate(9.94), formatRate(12.6)]).toEqual([
      "0",
      "0.3",
      "9.9",
      "13",
    ]);
    expect([
      ago(5000, 5500),
      ago(0, 12_000),
      ago(0, 180_000),
      ago(0, 7_200_000),
      ago(0, 2 * 86_400_000),
    ]).toEqual(["now", "12 s ago", "3 min ago", "2 h ago", "2 d ago"]);
    expect(kickResult("bob", 1, 0)).toBe("Kicked bob: 1 socket closed");
    expect(kickResult("bob", 2, 60)).toBe("Kicked bob: 2 sockets closed, banned for 60 s");
  });

  it("says which failures stop polling", () => {
    expect(explainFailure({ code: "unauthorized", message: "expired" }, 2000)).toEqual({
      title: "Token expired or invalid (unauthorized)",
      detail: "expired",
      final: true,
    });
    expect(explainFailure({ code: "forbidden", message: "no admin" }, 2000).final).toBe(true);
    const down = explainFailure(
      { code: "network", message: "cannot reach the server (Failed to fetch)" },
      4000,
    );
    expect(down).toEqual({
      title: "Cannot reach the server",
      detail: "cannot reach the server (Failed to fetch). Trying again in 4 s.",
      final: false,
    });
    expect(explainFailure({ code: "http_404", message: "" }, 2000).title).toContain("no room directory");
  });

  it("reads the ban box as whole seconds in range", () => {
    expect([parseBanSeconds(""), parseBanSeconds(" 60 "), parseBanSeconds("2592000")]).toEqual([
      0, 60, 2592000,
    ]);
    expect([parseBanSeconds("-1"), parseBanSeconds("1.5"), parseBanSeconds("2592001")]).toEqual([
      null,
      null,
      null,
    ]);
  });
});

describe("retryDelay", () => {
  it("polls every 2 s, doubles after failures up to 30 s, and honours Retry-After", () => {
    expect([0, 1, 2, 3, 10].map((f) => retryDelay(f))).toEqual([POLL_MS, 2000, 4000, 8000, MAX_BACKOFF_MS]);
    expect(retryDelay(1, 10_000)).toBe(10_000);
  });
});
