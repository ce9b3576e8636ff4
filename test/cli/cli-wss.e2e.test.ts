// The roomcast CLI over wss:// against `wrangler dev --local-protocol https` (self-signed certificate).
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { useDevServer } from "../e2e/support/use-dev-server.ts";
import { TEST_SECRET } from "../support/dev-server.ts";
import { type CliProcess, is, runCli, startCli, stopCli } from "./cli-process.ts";

const server = useDevServer({ https: true });
const started: CliProcess[] = [];

afterEach(() => {
  for (const cli of started.splice(0)) stopCli(cli);
});

describe("roomcast over wss", () => {
  it("talks over wss:// with --insecure", async () => {
    expect(server.url).toMatch(/^https:/);
    const wss = server.url.replace(/^https:/, "wss:");
    const room = `wss-${randomUUID().slice(0, 8)}`;
    const auth = (user: string) => ["--user", user, "--secret", TEST_SECRET];
    const bob = startCli(["connect", wss, "--room", room, "--insecure", ...auth("bob")]);
    const alice = startCli(["connect", wss, "--room", room, "-k", ...auth("alice")]);
    started.push(bob, alice);
    await bob.waitFor("bob synced", is.synced);
    await alice.waitFor("alice synced", is.synced);
    alice.send("over tls");
    const got = await bob.waitFor("the message", is.message("over tls"));
    expect(got.from).toEqual({ id: "alice", name: null });
    bob.send("/json [1,2,3]");
    await alice.waitFor("the reply", is.message([1, 2, 3]));
    alice.end();
    bob.end();
    expect((await alice.exited).code).toBe(0);
    expect((await bob.exited).code).toBe(0);

    const info = await runCli(["info", server.url, "--room", room, "-k", ...auth("ops")]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({ room, seq: 2 });
  });

  it("refuses the self-signed certificate without --insecure, and says how to accept it", async () => {
    const wss = server.url.replace(/^https:/, "wss:");
    const r = await runCli(["connect", wss, "--room", "lobby", "--user", "bob", "--secret", TEST_SECRET]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /^roomcast: cannot connect to https:\/\/127\.0\.0\.1:\d+: .*certificate.*--insecure.*\n$/,
    );
    const http = await runCli([
      "publish",
      server.url,
      "--room",
      "lobby",
      "--data",
      "1",
      "--user",
      "ops",
      "--secret",
      TEST_SECRET,
    ]);
    expect(http.code).toBe(1);
    expect(http.stderr).toMatch(/^roomcast: cannot reach https:.*certificate.*--insecure/);
  });
});
