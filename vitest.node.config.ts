// Plain Node unit tests (client library, CLI parsing, shared helpers): no runtime, no servers.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.unit.test.ts"],
    environment: "node",
  },
});
