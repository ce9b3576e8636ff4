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
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts", "test/room/**/*.test.ts", "test/client/**/*.runtime.test.ts"],
    testTimeout: 20_000,
    // Logs go straight to the output instead of through vitest's RPC, which a room still logging
    // while a test file is torn down made fail ("Closing rpc while onUserConsoleLog was pending").
    disableConsoleIntercept: true,
  },
});
