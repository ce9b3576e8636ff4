// SeqOrder: in-order delivery with dedupe by seq and gap detection, as a shard applies pushes.
import { describe, it } from "vitest";
import { SeqOrder, type Sequenced } from "../../../src/room/sharding/ordering.ts";

const s = (...seqs: number[]): Sequenced<string>[] => seqs.map((seq) => ({ seq, item: `m${seq}` }));
const seqsOf = (d: Sequenced<string>[]) => d.map((x) => x.seq);

describe("SeqOrder", () => {
  it("delivers a contiguous batch at once", ({ expect }) => {
    const o = new SeqOrder<string>(0);
    const r = o.offer(s(1, 2, 3));
    expect(r.deliver).toEqual(s(1, 2, 3));
    expect(r.gap).toBeNull();
    expect(o.delivered).toBe(3);
  });

  it("buffers an early arrival and names the gap, then delivers both in order", ({ expect }) => {
    const o = new SeqOrder<string>(4);
    const early = o.offer(s(7, 8));
    expect(early.deliver).toEqual([]);
    expect(early.gap).toEqual({ from: 5, to: 6 });
    expect(o.buffered).toBe(2);
    const filled = o.offer(s(6, 5));
    expect(seqsOf(filled.deliver)).toEqual([5, 6, 7, 8]);
    expect(filled.gap).toBeNull();
    expect(o.buffered).toBe(0);
  });

  it("drops duplicates: delivered seqs and seqs already held", ({ expect }) => {
    const o = new SeqOrder<string>(0);
    o.offer(s(1, 2));
    expect(o.offer(s(1, 2)).deliver).toEqual([]);
    o.offer([{ seq: 4, item: "first" }]);
    o.offer([{ seq: 4, item: "second" }]);
    expect(o.offer(s(3)).deliver).toEqual([
      { seq: 3, item: "m3" },
      { seq: 4, item: "first" },
    ]);
  });

  it("reports only the first hole when several are open", ({ expect }) => {
    const o = new SeqOrder<string>(0);
    expect(o.offer(s(3, 6)).gap).toEqual({ from: 1, to: 2 });
    const r = o.offer(s(1, 2));
    expect(seqsOf(r.deliver)).toEqual([1, 2, 3]);
    expect(r.gap).toEqual({ from: 4, to: 5 });
  });

  it("noteHead makes a silent loss visible", ({ expect }) => {
    const o = new SeqOrder<string>(10);
    expect(o.gap()).toBeNull();
    expect(o.noteHead(9)).toBeNull();
    expect(o.noteHead(14)).toEqual({ from: 11, to: 14 });
    expect(seqsOf(o.offer(s(11, 12, 13, 14)).deliver)).toEqual([11, 12, 13, 14]);
    expect(o.gap()).toBeNull();
  });

  it("skipTo passes seqs that history no longer holds", ({ expect }) => {
    const o = new SeqOrder<string>(0);
    o.offer(s(3, 8));
    o.skipTo(5);
    expect(o.delivered).toBe(5);
    expect(o.buffered).toBe(1);
    expect(o.gap()).toEqual({ from: 6, to: 7 });
    expect(seqsOf(o.offer(s(6, 7)).deliver)).toEqual([6, 7, 8]);
  });

  it("holds at most `limit` items, dropping the highest (the gap still covers them)", ({ expect }) => {
    const o = new SeqOrder<string>(0, 2);
    o.offer(s(5, 4, 3, 2));
    expect(o.buffered).toBe(2);
    expect(o.head).toBe(5);
    const r = o.offer(s(1));
    expect(seqsOf(r.deliver)).toEqual([1, 2, 3]);
    expect(r.gap).toEqual({ from: 4, to: 5 });
  });

  it("ignores seqs that are not positive integers", ({ expect }) => {
    const o = new SeqOrder<string>(0);
    expect(o.offer([{ seq: 1.5, item: "x" }, { seq: -1, item: "y" }, ...s(1)]).deliver).toEqual(s(1));
    expect(() => new SeqOrder<string>(-1)).toThrow(RangeError);
  });

  it("delivers every seq exactly once in order, whatever the arrival order and repetition", ({ expect }) => {
    const o = new SeqOrder<number>(0);
    const out: number[] = [];
    // a deterministic shuffle with repeats: seqs 1..200, each offered 1-3 times
    const arrivals: number[] = [];
    for (let i = 1; i <= 200; i++) for (let k = 0; k <= i % 3; k++) arrivals.push(i);
    let x = 7;
    for (let i = arrivals.length - 1; i > 0; i--) {
      x = (x * 1103515245 + 12345) % 2147483648;
      const j = x % (i + 1);
      [arrivals[i], arrivals[j]] = [arrivals[j] as number, arrivals[i] as number];
    }
    for (let i = 0; i < arrivals.length; i += 5) {
      const chunk = arrivals.slice(i, i + 5).map((seq) => ({ seq, item: seq }));
      for (const d of o.offer(chunk).deliver) out.push(d.item);
    }
    expect(out).toEqual(Array.from({ length: 200 }, (_, i) => i + 1));
  });
});
