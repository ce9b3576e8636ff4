// The bench's process readings (bench/lib/procs.ts): a CPU window across a process swap (what a
// `wrangler dev` runtime restart looks like) reports the swap instead of a wrong figure.
import { spawn } from "node:child_process";
import { describe, it } from "vitest";
import { cpuSeconds, cpuWindow, waitQuiet } from "../../bench/lib/procs.ts";

/** A child process that exists until killed, and a promise of its exit. */
function sleeper() {
  const child = spawn(process.execPath, ["-e", "setTimeout(() => {}, 60_000)"], { stdio: "ignore" });
  const exited = new Promise<void>((r) => child.once("exit", () => r()));
  const stop = () => {
    child.kill("SIGKILL");
    return exited;
  };
  return { pid: child.pid as number, stop };
}

describe("cpuWindow", () => {
  it("measures a process that stays", ({ expect }) => {
    const w = cpuWindow(() => ({ me: process.pid }));
    const use = w.stop();
    expect(use.replaced).toEqual([]);
    expect(use.seconds.me).toBeGreaterThanOrEqual(0);
    expect(Number.isNaN(use.seconds.me)).toBe(false);
  });

  it("reports a process replaced by a new pid, with NaN figures instead of 0 or negative", async ({
    expect,
  }) => {
    const a = sleeper();
    const b = sleeper();
    try {
      let pid = a.pid;
      const w = cpuWindow(() => ({ runtime: pid, me: process.pid }));
      await a.stop(); // the old runtime exits, a new one takes its place
      pid = b.pid;
      const use = w.stop();
      expect(use.replaced).toEqual(["runtime"]);
      expect(use.seconds.runtime).toBeNaN();
      expect(use.share.runtime).toBeNaN();
      expect(use.replaced).not.toContain("me");
    } finally {
      await b.stop();
    }
  });

  it("counts every process as replaced when they cannot be found again", ({ expect }) => {
    let calls = 0;
    const w = cpuWindow(() => {
      if (calls++ > 0) throw new Error("no runtime workerd beside the proxy");
      return { runtime: process.pid };
    });
    expect(w.stop().replaced).toEqual(["runtime"]);
  });
});

describe("cpuSeconds", () => {
  it("is NaN for a process that is gone, never a silent 0", async ({ expect }) => {
    const s = sleeper();
    await s.stop();
    expect(cpuSeconds(s.pid)).toBeNaN();
    expect(cpuSeconds(process.pid)).toBeGreaterThan(0);
  });
});

describe("waitQuiet", () => {
  it("returns once a quiet process stays quiet, asking for its pid each time", async ({ expect }) => {
    const s = sleeper();
    try {
      let asked = 0;
      const waited = await waitQuiet(() => {
        asked++;
        return s.pid;
      }, 10_000);
      expect(waited).toBeLessThan(5);
      expect(asked).toBeGreaterThanOrEqual(2);
    } finally {
      await s.stop();
    }
  });
});
