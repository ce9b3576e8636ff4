// The fuzz suite's harness: a fixed seed and case count (FUZZ_SEED / FUZZ_RUNS to run more), one
// console line per property with the number of cases tried, and fast-check's report on a failure.
import fc from "fast-check";
import { inject } from "vitest";

declare module "vitest" {
  export interface ProvidedContext {
    fuzz: { runs: string; seed: string };
  }
}

const given = inject("fuzz");

/** The seed of every property: FUZZ_SEED, else 42, so CI runs the same cases every time. */
export const FUZZ_SEED = given.seed === "" ? 42 : Number(given.seed);

/** Cases per property: FUZZ_RUNS when set (more locally), else the property's own CI count. */
export function fuzzRuns(ciRuns: number): number {
  return given.runs === "" ? ciRuns : Number(given.runs);
}

/** Test timeout that grows with FUZZ_RUNS: `msPerCase` for each case, at least 30 s. */
export function fuzzTimeout(ciRuns: number, msPerCase: number): number {
  return Math.max(30_000, fuzzRuns(ciRuns) * msPerCase);
}

/**
 * Runs an async property `runs` times from FUZZ_SEED, prints `fuzz: <name>: N cases (seed S)` and
 * throws fast-check's report (the seed, the path and the shrunk counterexample) when a case fails.
 * `msPerCase` sizes the time budget as fuzzTimeout does: a run (or a shrink) that outlives it stops
 * 5 s before the test's timeout and fails with what it found, instead of the test timing out silently.
 */
export async function fuzz<T>(
  name: string,
  ciRuns: number,
  arb: fc.Arbitrary<T>,
  property: (value: T) => Promise<void>,
  msPerCase: number,
): Promise<void> {
  const numRuns = fuzzRuns(ciRuns);
  const started = Date.now();
  const out = await fc.check(fc.asyncProperty(arb, property), {
    seed: FUZZ_SEED,
    numRuns,
    interruptAfterTimeLimit: fuzzTimeout(ciRuns, msPerCase) - 5000,
    markInterruptAsFailure: true,
  });
  console.log(
    `fuzz: ${name}: ${out.numRuns} cases (seed ${FUZZ_SEED}) in ${Date.now() - started} ms${out.interrupted ? ", interrupted" : ""}${out.failed ? ", FAILED" : ""}`,
  );
  if (out.failed) throw new Error(fc.defaultReportMessage(out) ?? `fuzz: ${name} failed`);
}

/** JSON-able values of every kind, nested a little: what a hostile client puts in any field. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.anything({ maxDepth: 2, maxKeys: 4 }),
  fc.string({ maxLength: 300 }),
  fc.constantFrom(
    Number.MAX_SAFE_INTEGER + 2,
    -0,
    1e308,
    5e-324,
    Number.NaN,
    Number.POSITIVE_INFINITY,
    "",
    "__proto__",
    "constructor",
    null,
    true,
    [],
    {},
  ),
  fc.integer({ min: 1, max: 1000 }).map(nested),
);

/** `n` levels of arrays: `[[[…]]]`. */
export function nested(n: number): unknown {
  let v: unknown = [];
  for (let i = 0; i < n; i++) v = [v];
  return v;
}

/** The contract's error body. */
export function isErrorBody(body: unknown, codes: readonly string[]): boolean {
  if (typeof body !== "object" || body === null || !("error" in body)) return false;
  const e = body.error as { code?: unknown; message?: unknown } | null;
  return (
    typeof e === "object" &&
    e !== null &&
    typeof e.code === "string" &&
    codes.includes(e.code) &&
    typeof e.message === "string"
  );
}
