// Integration and unit tests that run inside the Workers runtime (workerd) via @cloudflare/vitest-plugin.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { RUNTIME_SECRET as TEST_SECRET } from "./test/support/tokens.ts";

// wrangler.toml declares AUTH_SECRET required and the plugin looks for it in the environment: give it
// the test secret so it does not warn once per test file (the binding below is what the worker sees).
process.env.AUTH_SECRET ??= TEST_SECRET;

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          AUTH_SECRET: TEST_SECRET,
          IDLE_TIMEOUT_SECONDS: "60",
          RATE_PER_SECOND: "20",
          // Small enough that trimming and the room cap are cheap to reach in tests.
          HISTORY_LIMIT: "50",
          MAX_CONNECTIONS_PER_ROOM: "12",
          // Small enough that the per-user cap and big-room presence are cheap to reach in tests.
          MAX_CONNECTIONS_PER_USER: "5",
          PRESENCE_LIMIT: "8",
          MAX_REPLAY_BYTES: "65536",
          MAX_MESSAGE_BYTES: "4096",
          ALLOWED_ORIGINS: "https://app.example",
          LOG_LEVEL: "warn",
          // Rooms named shard-… are sharded over 4 shards (test/room/sharding).
          SHARDED_ROOMS: "shard-*",
          ROOM_SHARDS: "4",
        },
        // Most tests act as the same user: lift wrangler.toml's per-user request limit far above what
        // the suite sends. RATE_LIMIT_TIGHT is a real limiter the rate-limit tests bind in its place.
        ratelimits: {
          RATE_LIMIT_USER: { namespace_id: "7302", simple: { limit: 1_000_000, period: 60 } },
          RATE_LIMIT_TIGHT: { namespace_id: "7399", simple: { limit: 3, period: 60 } },
        },
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts", "test/room/**/*.test.ts", "test/client/**/*.runtime.test.ts"],
    testTimeout: 20_000,
    // The fuzz suite's size and seed (test/worker/fuzz): FUZZ_RUNS=5000 FUZZ_SEED=7 npm run test:fuzz.
    provide: { fuzz: { runs: process.env.FUZZ_RUNS ?? "", seed: process.env.FUZZ_SEED ?? "" } },
    // Logs go straight to the output instead of through vitest's RPC, which a room still logging
    // while a test file is torn down made fail ("Closing rpc while onUserConsoleLog was pending").
    disableConsoleIntercept: true,
  },
});
