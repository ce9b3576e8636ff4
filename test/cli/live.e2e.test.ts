// The real roomcast CLI against `wrangler dev`: signals as JSON lines, and a kick from one terminal closing another.
import { randomUUID } from "node:crypto";
import { afterEach, describe, expect, it } from "vitest";
import { useDevServer } from "../e2e/support/use-dev-server.ts";
import { TEST_SECRET } from "../support/dev-server.ts";
import { type CliProcess, field, is, runCli, startCli, stopCli } from "./cli-process.ts";

const server = useDevServer();
const started: CliProcess[] = [];

afterEach(() => {
  for (const cli of started.splice(0)) stopCli(cli);
});

const newRoom = () => `live-${randomUUID().slice(0, 8)}`;

function enter(room: string, user: string): CliProcess {
  const cli = startCli(["connect", server.url, "--room", room, "--user", user, "--secret", TEST_SECRET]);
  started.push(cli);
  return cli;
}

describe("roomcast live rooms", () => {
  it("shows signals in pipe mode as JSON lines", async () => {
    const room = newRoom();
    const bob = enter(room, "bob");
    await bob.waitFor("bob synced", is.synced);
    const alice = enter(room, "alice");
    await alice.waitFor("alice synced", is.synced);
    await bob.waitFor("alice's join", is.presence("join", "alice"));
    alice.send("/typing");
    const signal = await bob.waitFor("alice's signal", (e) => e.type === "signal");
    expect(signal).toEqual({
      type: "signal",
      from: { id: "alice", name: null },
      data: { typing: true },
      ts: signal.ts,
    });
    alice.send('/signal {"x":3,"y":4}');
    await bob.waitFor("the cursor signal", (e) => e.type === "signal" && field(e, "data", "x") === 3);
  });

  it("kick from one terminal closes the other with the reason, and the ban keeps it out", async () => {
    const room = newRoom();
    const bob = enter(room, "bob");
    await bob.waitFor("bob synced", is.synced);
    const kick = await runCli([
      "kick",
      server.url,
      "--room",
      room,
      "--target",
      "bob",
      "--ban",
      "1h",
      "--reason",
      "be nice",
      "--user",
      "mod",
      "--secret",
      TEST_SECRET,
    ]);
    expect(kick.stderr).toBe("");
    expect(JSON.parse(kick.stdout)).toEqual({ closed: 1 });
    const closed = await bob.waitFor("bob closed", is.state("closed"));
    expect(closed).toMatchObject({
      code: 4403,
      reason: "be nice",
      error: { code: "kicked", message: "be nice" },
    });
    expect((await bob.exited).code).toBe(1);
    expect(bob.stderr()).toContain("be nice");

    const again = await runCli([
      "connect",
      server.url,
      "--room",
      room,
      "--user",
      "bob",
      "--secret",
      TEST_SECRET,
    ]);
    expect(again.code).toBe(1);
    expect(again.stderr).toMatch(/banned: user 'bob' is banned from room/);
  });
});
