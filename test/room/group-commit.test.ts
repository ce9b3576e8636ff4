// GroupCommit: the first write goes at once; writes arriving during a flush share the next one.
import { describe, it } from "vitest";
import { GroupCommit } from "../../src/room/log/group-commit.ts";

function deferred() {
  let resolve: () => void = () => {};
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

describe("GroupCommit", () => {
  it("writes the first item at once and batches the rest behind each flush, in order", async ({ expect }) => {
    const log: string[] = [];
    const flushes: ReturnType<typeof deferred>[] = [];
    const gc = new GroupCommit<number, number>(
      (n) => {
        log.push(`write ${n}`);
        return n * 10;
      },
      () => {
        log.push("flush");
        const d = deferred();
        flushes.push(d);
        return d.promise;
      },
    );
    const first = gc.submit(1);
    expect(log).toEqual(["write 1", "flush"]);
    const rest = [gc.submit(2), gc.submit(3)];
    expect(log).toEqual(["write 1", "flush"]);
    flushes[0]?.resolve();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(rest)).resolves.toEqual([20, 30]);
    expect(log).toEqual(["write 1", "flush", "write 2", "write 3", "flush"]);
    flushes[1]?.resolve();
  });

  it("a throwing write rejects only its own item", async ({ expect }) => {
    const gc = new GroupCommit<number, number>(
      (n) => {
        if (n === 2) throw new Error("bad item");
        return n;
      },
      () => Promise.resolve(),
    );
    const results = await Promise.allSettled([gc.submit(1), gc.submit(2), gc.submit(3)]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
  });

  it("a failed flush rejects what waits behind it, leaves nothing unhandled, and a later submit runs anew", async ({
    expect,
  }) => {
    const flushes: ReturnType<typeof deferred>[] = [];
    let fail = true;
    const gc = new GroupCommit<number, number>(
      (n) => n,
      () => {
        if (fail) return Promise.reject(new Error("commit failed"));
        const d = deferred();
        flushes.push(d);
        d.resolve();
        return d.promise;
      },
    );
    const first = gc.submit(1);
    const waiting = gc.submit(2);
    // The first item was written before the flush failed: it holds its result (the runtime withholds
    // its outputs); the one queued behind the flush is refused.
    await expect(first).resolves.toBe(1);
    await expect(waiting).rejects.toThrow("commit failed");
    fail = false;
    await expect(gc.submit(3)).resolves.toBe(3);
  });
});
