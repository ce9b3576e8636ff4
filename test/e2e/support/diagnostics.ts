// On a failed test, print what wrangler dev logged during it (reloads after a source edit drop sockets with 1006).
import { afterEach, beforeEach } from "vitest";
import type { DevServer } from "../../support/dev-server.ts";

/** Registers hooks that print the server's log lines written during each failed test. */
export function dumpServerLogOnFailure(getServer: () => DevServer | undefined): void {
  let mark = 0;
  beforeEach(() => {
    mark = getServer()?.output().length ?? 0;
  });
  afterEach((ctx) => {
    const server = getServer();
    if (!server || ctx.task.result?.state !== "fail") return;
    const log = server.output().slice(mark);
    const reloaded = /reload|rebuild|change detected/i.test(log)
      ? " (wrangler RELOADED during this test: a source file changed)"
      : "";
    console.error(`--- wrangler dev output during "${ctx.task.name}"${reloaded} ---\n${log.slice(-4000)}`);
  });
}
