// Flow control of input lines in `roomcast connect`.
import { describe, expect, it } from "vitest";
import { LineQueue } from "../../src/cli/connect/line-queue.ts";

function setup(maxInFlight: number) {
  const handled: string[] = [];
  let inFlight = 0;
  const q = new LineQueue({
    handle: (line) => {
      handled.push(line);
      if (line.startsWith("pub")) inFlight++;
    },
    inFlight: () => inFlight,
    maxInFlight,
  });
  return {
    q,
    handled,
    settle: () => {
      inFlight--;
      q.pump();
    },
  };
}

describe("LineQueue", () => {
  it("holds lines until open(), then feeds them in order", () => {
    const { q, handled } = setup(10);
    q.push("pub 1");
    q.push("/who");
    expect(handled).toEqual([]);
    expect(q.size).toBe(2);
    q.open();
    expect(handled).toEqual(["pub 1", "/who"]);
    q.push("pub 2");
    expect(handled).toEqual(["pub 1", "/who", "pub 2"]);
    expect(q.size).toBe(0);
  });

  it("stops at maxInFlight unacknowledged publishes and resumes as they settle", () => {
    const { q, handled, settle } = setup(2);
    q.open();
    for (const n of [1, 2, 3, 4, 5]) q.push(`pub ${n}`);
    expect(handled).toEqual(["pub 1", "pub 2"]);
    expect(q.size).toBe(3);
    expect(q.full).toBe(true);
    settle();
    expect(handled).toEqual(["pub 1", "pub 2", "pub 3"]);
    expect(q.full).toBe(true); // still 2 held
    settle();
    expect(q.size).toBe(1);
    expect(q.full).toBe(false);
    settle();
    expect(handled).toEqual(["pub 1", "pub 2", "pub 3", "pub 4", "pub 5"]);
    expect(q.size).toBe(0);
  });

  it("does not re-enter when handling a line pumps again", () => {
    const handled: string[] = [];
    const q: LineQueue = new LineQueue({
      handle: (line) => {
        handled.push(line);
        q.pump();
      },
      inFlight: () => 0,
      maxInFlight: 5,
    });
    q.push("a");
    q.push("b");
    q.open();
    expect(handled).toEqual(["a", "b"]);
  });
});
