// Every test suite as one vitest project: `npm test` runs runtime + big + unit; e2e and browser need
// `wrangler dev` (and Chromium) and run on their own: `vitest run --project e2e` / `--project browser`.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { RUNTIME_SECRET as TEST_SECRET } from "./test/support/tokens.ts";

// wrangler.toml declares AUTH_SECRET required and the plugin looks for it in the environment: give it
// the test secret so it does not warn once per test file (the binding below is what the worker sees).
process.env.AUTH_SECRET ??= TEST_SECRET;

export default defineConfig({
  test: {
    projects: [
      {
        // Integration and unit tests inside the Workers runtime (workerd), with small limits.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            // The project's Worker, with test hooks in rooms named hook-… (test/support/hooked-worker.ts).
            main: "./test/support/hooked-worker.ts",
            miniflare: {
              bindings: {
                AUTH_SECRET: TEST_SECRET,
                HOOK_TIMEOUT_MS: "300",
                IDLE_TIMEOUT_SECONDS: "60",
                RATE_PER_SECOND: "20",
                // Small enough that trimming and the room cap are cheap to reach in tests.
                HISTORY_LIMIT: "50",
                MAX_CONNECTIONS_PER_ROOM: "12",
                // Small enough that the per-user cap and big-room presence are cheap to reach in tests.
                MAX_CONNECTIONS_PER_USER: "5",
                PRESENCE_LIMIT: "8",
                MAX_REPLAY_BYTES: "65536",
                // The lowest send budget that fits that replay (MAX_REPLAY_BYTES + 1 MiB): slow readers
                // are closed after ~270 messages of 4 KiB.
                MAX_UNREAD_BYTES: "1114112",
                MAX_MESSAGE_BYTES: "4096",
                ALLOWED_ORIGINS: "https://app.example",
                LOG_LEVEL: "warn",
                // Rooms named shard-… are sharded over 4 shards (test/room/sharding).
                SHARDED_ROOMS: "shard-*",
                ROOM_SHARDS: "4",
              },
              // Most tests act as the same user: lift wrangler.toml's per-user request limit far above
              // what the suite sends. RATE_LIMIT_TIGHT is a real limiter the rate-limit tests bind in its place.
              ratelimits: {
                RATE_LIMIT_USER: { namespace_id: "7302", simple: { limit: 1_000_000, period: 60 } },
                RATE_LIMIT_TIGHT: { namespace_id: "7399", simple: { limit: 3, period: 60 } },
              },
            },
          }),
        ],
        test: {
          name: "runtime",
          include: ["test/worker/**/*.test.ts", "test/room/**/*.test.ts", "test/client/**/*.runtime.test.ts"],
          testTimeout: 20_000,
          // The fuzz suite's size and seed (test/worker/fuzz): FUZZ_RUNS=5000 FUZZ_SEED=7 npm run test:fuzz.
          provide: { fuzz: { runs: process.env.FUZZ_RUNS ?? "", seed: process.env.FUZZ_SEED ?? "" } },
          // Logs go straight to the output instead of through vitest's RPC, which a room still logging
          // while a test file is torn down made fail ("Closing rpc while onUserConsoleLog was pending").
          disableConsoleIntercept: true,
        },
      },
      {
        // Workers-runtime tests that need production-sized limits (60 KiB messages, a 1,000-message
        // history, the default 4 MiB replay budget): their own bindings, so the main suite keeps its
        // small limits.
        plugins: [
          cloudflareTest({
            wrangler: { configPath: "./wrangler.toml" },
            miniflare: {
              bindings: {
                AUTH_SECRET: TEST_SECRET,
                HISTORY_LIMIT: "2000",
                MAX_MESSAGE_BYTES: "65536",
                MAX_REPLAY_BYTES: "4194304",
                LOG_LEVEL: "warn",
              },
            },
          }),
        ],
        test: {
          name: "big",
          include: ["test/big/**/*.test.ts"],
          testTimeout: 120_000,
          disableConsoleIntercept: true,
          // After the runtime suite, not beside it: these are heavy and the machine has 2 cores.
          sequence: { groupOrder: 1 },
        },
      },
      {
        // Plain Node unit tests (client library, CLI parsing, shared helpers, the bench guard): no
        // runtime, no servers.
        test: {
          name: "unit",
          include: ["test/**/*.unit.test.ts"],
          environment: "node",
        },
      },
      {
        // Real clients (ws, the CLI as a child process) against `wrangler dev` on free loopback ports.
        test: {
          name: "e2e",
          include: ["test/e2e/**/*.test.ts", "test/cli/**/*.e2e.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 120_000,
          // Each file starts its own wrangler dev; two at a time fit the 2-core machine.
          maxWorkers: 2,
          // A project with its own maxWorkers needs its own group (vitest refuses to mix them).
          sequence: { groupOrder: 2 },
        },
      },
      {
        // Debian's Chromium driven by playwright-core against the page served by `wrangler dev`.
        test: {
          name: "browser",
          include: ["test/browser/**/*.test.ts"],
          // Its *.unit.test.ts files need no browser: the unit project runs them.
          exclude: ["**/*.unit.test.ts"],
          environment: "node",
          testTimeout: 90_000,
          hookTimeout: 120_000,
          maxWorkers: 1,
          sequence: { groupOrder: 3 },
        },
      },
    ],
  },
});
