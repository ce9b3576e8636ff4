// Workers-runtime tests that need production-sized limits (60 KiB messages, a 1,000-message history,
// the default 4 MiB replay budget): their own bindings, so the main suite keeps its small limits.
import { cloudflareTest } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";

const TEST_SECRET = "test-secret-0123456789abcdef0123456789abcdef";
process.env.AUTH_SECRET ??= TEST_SECRET;

export default defineConfig({
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
    include: ["test/big/**/*.test.ts"],
    testTimeout: 120_000,
    disableConsoleIntercept: true,
  },
});
