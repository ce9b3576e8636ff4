// The roomcast entry point in-process: help, exit codes and one-line errors, without a server.

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import { verify } from "hono/jwt";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { CliIo } from "../../src/cli/io.ts";
import { main } from "../../src/cli/main.ts";

let cwd = "";
beforeAll(async () => {
  cwd = await mkdtemp(join(tmpdir(), "roomcast-cli-main-")); // no .dev.vars here
});
afterAll(async () => {
  await rm(cwd, { recursive: true, force: true });
});

async function run(argv: string[], env: Record<string, string> = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d: Buffer) => (out += d.toString()));
  stderr.on("data", (d: Buffer) => (err += d.toString()));
  const io: CliIo = { stdin: new PassThrough(), stdout, stderr, env, cwd, onSignal: () => () => undefined };
  const code = await main(argv, io);
  return { code, out, err };
}

describe("main", () => {
  it("prints help with exit 0", async () => {
    const top = await run(["--help"]);
    expect(top.code).toBe(0);
    expect(top.out).toContain("roomcast connect <url>");
    const sub = await run(["token", "--help"]);
    expect(sub.out).toContain("Usage: roomcast token");
  });

  it("reports usage errors on one stderr line with exit 2", async () => {
    const r = await run(["nope"]);
    expect(r.code).toBe(2);
    expect(r.out).toBe("");
    expect(r.err).toBe(
      'roomcast: unknown command "nope": commands are connect, token, publish, info, kick, history, rooms, top (see roomcast --help)\n',
    );
  });

  it("mints with --secret or AUTH_SECRET, and needs one of them", async () => {
    const flag = await run([
      "token",
      "--user",
      "ann",
      "--room",
      "lobby:r",
      "--secret",
      "k1-0123456789abcdef0123456789abcdef",
    ]);
    expect(flag.code).toBe(0);
    expect(await verify(flag.out.trim(), "k1-0123456789abcdef0123456789abcdef", "HS256")).toMatchObject({
      sub: "ann",
      rooms: { lobby: ["read"] },
    });
    const env = await run(["token", "--user", "ann", "--room", "lobby"], {
      AUTH_SECRET: "k2-0123456789abcdef0123456789abcdef",
    });
    expect(await verify(env.out.trim(), "k2-0123456789abcdef0123456789abcdef", "HS256")).toMatchObject({
      rooms: { lobby: ["read", "write"] },
    });
    const none = await run(["token", "--user", "ann", "--room", "lobby"]);
    expect(none.code).toBe(2);
    expect(none.err).toMatch(/^roomcast: missing secret to mint a token/);
  });

  it("fails with exit 1 and the cause when the server cannot be reached", async () => {
    const r = await run(["info", "http://127.0.0.1:1", "--room", "lobby", "--token", "t"]);
    expect(r.code).toBe(1);
    expect(r.err).toBe("roomcast: cannot reach http://127.0.0.1:1: connect ECONNREFUSED 127.0.0.1:1\n");
  });
});
