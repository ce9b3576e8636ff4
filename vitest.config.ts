// Integration and unit tests that run inside the Workers runtime (workerd) via @cloudflare/vitest-plugin.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

export default defineConfig({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: "./wrangler.toml" },
      miniflare: {
        bindings: {
          AUTH_SECRET: "test-secret-0123456789abcdef0123456789abcdef",
          IDLE_TIMEOUT_SECONDS: "60",
          RATE_PER_SECOND: "20",
          HISTORY_LIMIT: "1000",
          MAX_CONNECTIONS_PER_ROOM: "10000",
        },
      },
    }),
  ],
  test: {
    include: ["test/worker/**/*.test.ts", "test/room/**/*.test.ts", "test/client/**/*.runtime.test.ts"],
    testTimeout: 20_000,
    // The room logs one JSON line per connect/close: show logs only for failing tests.
    silent: "passed-only",
  },
});
