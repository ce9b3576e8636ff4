// One `wrangler dev` per test file: started before its tests, stopped after them, its log printed for
// a failed test. The e2e, CLI and bench-free suites all declared the same hooks by hand.
import { afterAll, beforeAll } from "vitest";
import { type DevServer, type DevServerOptions, startDevServer } from "../../support/dev-server.ts";
import { dumpServerLogOnFailure } from "./diagnostics.ts";

/**
 * Registers the file's dev server (call at the top level of a test file). The returned object reads
 * through to the running server, so `server.url` works inside tests as before.
 */
export function useDevServer(opts: DevServerOptions = {}): DevServer {
  let current: DevServer | undefined;
  const running = (): DevServer => {
    if (current === undefined) throw new Error("the dev server is not running (used outside a test?)");
    return current;
  };
  beforeAll(async () => {
    current = await startDevServer(opts);
  });
  afterAll(async () => {
    await current?.dispose();
  });
  dumpServerLogOnFailure(() => current);
  return {
    get url() {
      return running().url;
    },
    get port() {
      return running().port;
    },
    output: () => running().output(),
    stop: () => running().stop(),
    restart: () => running().restart(),
    dispose: () => running().dispose(),
  };
}
