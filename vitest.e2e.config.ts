// Real clients (ws, the CLI as a child process) against `wrangler dev` on free loopback ports.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.test.ts", "test/cli/**/*.e2e.test.ts"],
    environment: "node",
    testTimeout: 90_000,
    hookTimeout: 120_000,
    // Each file starts its own wrangler dev; two at a time fit the 2-core machine.
    maxWorkers: 2,
  },
});
