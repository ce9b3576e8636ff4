// The real roomcast CLI (child processes) against `wrangler dev`: pipe mode, tokens, refusals, HTTP, restart.
import { randomUUID } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { mintToken } from "../../src/cli/tokens/mint.ts";
import { useDevServer } from "../e2e/support/use-dev-server.ts";
import { freePort, TEST_SECRET } from "../support/dev-server.ts";
import { type CliEvent, type CliProcess, is, runCli, startCli, stopCli } from "./cli-process.ts";

const server = useDevServer();
const started: CliProcess[] = [];

afterEach(() => {
  for (const cli of started.splice(0)) stopCli(cli);
});

const newRoom = () => `cli-${randomUUID().slice(0, 8)}`;

/** `roomcast connect` minting its own token with the test secret. */
function enter(room: string, user: string, extra: string[] = []): CliProcess {
  const cli = startCli([
    "connect",
    server.url,
    "--room",
    room,
    "--user",
    user,
    "--name",
    user.toUpperCase(),
    "--secret",
    TEST_SECRET,
    ...extra,
  ]);
  started.push(cli);
  return cli;
}

const dataOf = (events: CliEvent[]) => events.filter((e) => e.type === "message").map((e) => e.data);
const seqOf = (events: CliEvent[]) => events.filter((e) => e.type === "message").map((e) => e.seq);

describe("roomcast connect, pipe mode", () => {
  it("carries lines from one CLI's stdin to another CLI's stdout as JSON, and exits 0 on EOF", async () => {
    const room = newRoom();
    const bob = enter(room, "bob");
    await bob.waitFor("bob synced", is.synced);
    const alice = enter(room, "alice");
    await alice.waitFor("alice synced", is.synced);
    await bob.waitFor("alice's join", is.presence("join", "alice"));

    alice.send("hello bob");
    alice.send('/json {"n":1}');
    const m1 = await bob.waitFor("hello bob", is.message("hello bob"));
    expect(m1.from).toEqual({ id: "alice", name: "ALICE" });
    expect(typeof m1.ts).toBe("number");
    const m2 = await bob.waitFor("the JSON message", is.message({ n: 1 }));
    expect(m2.seq).toBe(Number(m1.seq) + 1);
    await alice.waitFor("ack of the JSON message", (e) => e.type === "ack" && e.seq === m2.seq);

    bob.send("/dm alice psst");
    const dm = await alice.waitFor("the direct message", (e) => e.type === "direct");
    expect(dm).toMatchObject({ data: "psst", from: { id: "bob", name: "BOB" } });
    bob.send("/who");
    const who = await bob.waitFor("/who answer", (e) => e.type === "members");
    expect(who.members).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ id: "alice" }),
        expect.objectContaining({ id: "bob" }),
      ]),
    );

    alice.send("last words");
    alice.end();
    expect((await alice.exited).code).toBe(0);
    await bob.waitFor("last words", is.message("last words"));
    await bob.waitFor("alice's leave", is.presence("leave", "alice"));
    expect(dataOf(alice.events)).toEqual([]); // a publisher never receives its own messages
    expect(alice.events.at(-1)).toMatchObject({ type: "state", status: "closed", code: 1000 });

    bob.child.kill("SIGINT");
    expect((await bob.exited).code).toBe(0);
    expect(bob.events.at(-1)).toMatchObject({ type: "state", status: "closed", code: 1000 });
    expect(dataOf(bob.events)).toEqual(["hello bob", { n: 1 }, "last words"]);
    expect(bob.stderr()).toBe("");
  });

  it("resumes from --since/--epoch, replaying what was missed", async () => {
    const room = newRoom();
    const alice = enter(room, "alice");
    alice.send("one");
    alice.send("two");
    alice.send("three");
    alice.end();
    expect((await alice.exited).code).toBe(0);
    const welcome = alice.events.find((e) => e.type === "welcome");
    const firstAck = alice.events.find((e) => e.type === "ack");
    expect(welcome && firstAck).toBeTruthy();

    const bob = enter(room, "bob", ["--since", String(firstAck?.seq), "--epoch", String(welcome?.epoch)]);
    const synced = await bob.waitFor("bob synced", is.synced);
    expect(synced).toMatchObject({ replayed: 2, gap: false });
    expect(dataOf(bob.events)).toEqual(["two", "three"]);
  });
});

describe("roomcast token", () => {
  it("mints a token the server accepts, with the secret from AUTH_SECRET or ./.dev.vars", async () => {
    const room = newRoom();
    const fromEnv = await runCli(
      [
        "token",
        "--user",
        "carol",
        "--name",
        "Carol",
        "--room",
        `${room}:r`,
        "--room",
        "other-*:rw",
        "--ttl",
        "10m",
      ],
      {
        env: { AUTH_SECRET: TEST_SECRET },
      },
    );
    expect(fromEnv.code).toBe(0);
    const token = fromEnv.stdout.trim();
    const check = await fetch(`${server.url}/auth/check?room=${room}`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(check.status).toBe(200);
    expect(await check.json()).toMatchObject({
      user: { id: "carol", name: "Carol" },
      room,
      capabilities: ["read"],
    });

    const dir = await mkdtemp(join(tmpdir(), "roomcast-devvars-"));
    try {
      await writeFile(join(dir, ".dev.vars"), `# local\nAUTH_SECRET="${TEST_SECRET}"\n`);
      const fromFile = await runCli(["token", "--user", "dan", "--room", "other-x:rw"], { cwd: dir });
      expect(fromFile.code).toBe(0);
      const res = await fetch(`${server.url}/auth/check?room=other-x`, {
        headers: { authorization: `Bearer ${fromFile.stdout.trim()}` },
      });
      expect(await res.json()).toMatchObject({ user: { id: "dan" }, capabilities: ["read", "write"] });
    } finally {
      await rm(dir, { recursive: true, force: true });
    }

    const carol = startCli(["connect", server.url, "--room", room, "--token", token]);
    started.push(carol);
    const welcome = await carol.waitFor("carol's welcome", (e) => e.type === "welcome");
    expect(welcome.user).toEqual({ id: "carol", name: "Carol" });
    await carol.waitFor("carol synced", is.synced);
    carol.send("read-only people cannot publish");
    const refused = await carol.waitFor("a forbidden error", (e) => e.type === "error");
    expect(refused.code).toBe("forbidden");
    carol.end();
    expect((await carol.exited).code).toBe(1); // something was not delivered
  });
});

describe("refusals and usage errors", () => {
  it("names unauthorized and forbidden on stderr and exits 1", async () => {
    const room = newRoom();
    const forged = await mintToken({
      secret: "not-the-secret-0123456789abcdef0123456789",
      user: "eve",
      rooms: { [room]: ["read"] },
      ttlSeconds: 60,
    });
    const bad = await runCli(["connect", server.url, "--room", room, "--token", forged]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/^roomcast: unauthorized: .+\n$/);

    const expired = await mintToken({
      secret: TEST_SECRET,
      user: "eve",
      rooms: { [room]: ["read"] },
      ttlSeconds: 60,
      now: Date.now() - 3_600_000,
    });
    const old = await runCli(["connect", server.url, "--room", room, "--token", expired]);
    expect(old.code).toBe(1);
    expect(old.stderr).toMatch(/^roomcast: unauthorized: .*expired.*\n$/);

    const elsewhere = await mintToken({
      secret: TEST_SECRET,
      user: "eve",
      rooms: { "not-this-one": ["read"] },
      ttlSeconds: 60,
    });
    const forbidden = await runCli([
      "connect",
      `ws://127.0.0.1:${server.port}/rooms/${room}/ws`,
      "--token",
      elsewhere,
    ]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^roomcast: forbidden: .+\n$/);

    const wrongSecret = await runCli([
      "connect",
      server.url,
      "--room",
      room,
      "--user",
      "eve",
      "--secret",
      "wrong",
    ]);
    expect(wrongSecret.code).toBe(1);
    expect(wrongSecret.stderr).toMatch(/^roomcast: unauthorized: /);
  });

  it("explains an unreachable server (exit 1) and usage mistakes (exit 2)", async () => {
    const port = await freePort();
    const down = await runCli(["connect", `ws://127.0.0.1:${port}`, "--room", "lobby", "--token", "t"]);
    expect(down.code).toBe(1);
    expect(down.stderr).toBe(
      `roomcast: cannot connect to http://127.0.0.1:${port}: connect ECONNREFUSED 127.0.0.1:${port}\n`,
    );

    const noToken = await runCli(["connect", server.url, "--room", "lobby"]);
    expect(noToken.code).toBe(2);
    expect(noToken.stderr).toMatch(/^roomcast: connect: missing token/);
    const noSecret = await runCli(["connect", server.url, "--room", "lobby", "--user", "x"]);
    expect(noSecret.code).toBe(2);
    expect(noSecret.stderr).toMatch(/^roomcast: missing secret/);
    const badUrl = await runCli(["info", "ftp://127.0.0.1", "--room", "lobby", "--token", "t"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.stderr).toMatch(/^roomcast: bad URL "ftp:\/\/127\.0\.0\.1"/);
    const unknown = await runCli(["conect"]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^roomcast: unknown command "conect"/);
  });
});

describe("roomcast publish and info", () => {
  it("publishes over HTTP to listening CLIs, dedupes by --id, and reports room info", async () => {
    const room = newRoom();
    const bob = enter(room, "bob", ["--listen"]);
    await bob.waitFor("bob synced", is.synced);
    const admin = ["--user", "ops", "--name", "Ops", "--secret", TEST_SECRET];

    const first = await runCli([
      "publish",
      server.url,
      "--room",
      room,
      "--data",
      '{"hello":"http"}',
      "--id",
      "m-1",
      ...admin,
    ]);
    expect(first.code).toBe(0);
    const seq: unknown = JSON.parse(first.stdout).seq;
    expect(JSON.parse(first.stdout)).toEqual({ seq });
    const got = await bob.waitFor("the HTTP message", is.message({ hello: "http" }));
    expect(got).toMatchObject({ seq, id: "m-1", from: { id: "ops", name: "Ops" } });

    const again = await runCli([
      "publish",
      server.url,
      "--room",
      room,
      "--data",
      '{"hello":"http"}',
      "--id",
      "m-1",
      ...admin,
    ]);
    expect(JSON.parse(again.stdout)).toEqual({ seq, duplicate: true });

    const info = await runCli(["info", server.url, "--room", room, ...admin]);
    expect(info.code).toBe(0);
    expect(JSON.parse(info.stdout)).toMatchObject({
      room,
      seq,
      connections: 1,
      members: [{ id: "bob", name: "BOB", connections: 1, state: null }],
      history: { count: 1 },
    });

    const reader = await mintToken({
      secret: TEST_SECRET,
      user: "r",
      rooms: { [room]: ["read", "write"] },
      ttlSeconds: 60,
    });
    const notAdmin = await runCli(["info", server.url, "--room", room, "--token", reader]);
    expect(notAdmin.code).toBe(1);
    expect(notAdmin.stderr).toMatch(/^roomcast: forbidden: .+\n$/);
    const badData = await runCli(["publish", server.url, "--room", room, "--data", "{oops", ...admin]);
    expect(badData.code).toBe(2);
    expect(badData.stderr).toMatch(/^roomcast: publish: --data is not valid JSON/);
    expect(dataOf(bob.events)).toEqual([{ hello: "http" }]);
  });
});

describe("server restart mid-conversation", () => {
  it("keeps both CLIs running; messages sent while the server is down arrive once it is back", {
    timeout: 180_000,
  }, async () => {
    const room = newRoom();
    const alice = enter(room, "alice");
    const bob = enter(room, "bob");
    await alice.waitFor("alice synced", is.synced);
    await bob.waitFor("bob synced", is.synced);
    alice.send("before from alice");
    await bob.waitFor("alice's first message", is.message("before from alice"));
    // Bob answers: his own message is newer than his resume point, so the resume after the restart
    // replays it to him, and he must not see it as a message.
    bob.send("before from bob");
    const reply = await alice.waitFor("bob's first message", is.message("before from bob"));
    await bob.waitFor("the ack of bob's reply", (e) => e.type === "ack" && e.seq === reply.seq);

    const aliceMark = alice.events.length;
    const bobMark = bob.events.length;
    await server.stop();
    await alice.waitFor("alice notices", is.state("reconnecting"), { from: aliceMark });
    await bob.waitFor("bob notices", is.state("reconnecting"), { from: bobMark });
    alice.send("while down from alice");
    bob.send("while down from bob");

    await server.restart();
    const long = { timeoutMs: 90_000 };
    await bob.waitFor("alice's queued message", is.message("while down from alice"), long);
    const bobs = await alice.waitFor("bob's queued message", is.message("while down from bob"), long);
    await bob.waitFor("the ack of bob's queued message", (e) => e.type === "ack" && e.seq === bobs.seq);
    alice.send("after from alice");
    const after = await bob.waitFor("alice's message after the restart", is.message("after from alice"));
    await alice.waitFor("the ack of alice's last message", (e) => e.type === "ack" && e.seq === after.seq);

    expect(dataOf(bob.events)).toEqual(["before from alice", "while down from alice", "after from alice"]);
    expect(dataOf(alice.events)).toEqual(["before from bob", "while down from bob"]);
    for (const cli of [alice, bob]) {
      const seqs = seqOf(cli.events).map(Number);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
      expect(cli.child.exitCode).toBeNull();
    }
    expect(alice.events.filter((e) => e.type === "ack")).toHaveLength(3);
    expect(bob.events.filter((e) => e.type === "ack")).toHaveLength(2);
    expect(alice.events.filter(is.state("open")).length).toBeGreaterThanOrEqual(2);

    alice.end();
    bob.end();
    expect((await alice.exited).code).toBe(0);
    expect((await bob.exited).code).toBe(0);
  });
});
