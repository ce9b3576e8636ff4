// `roomcast history` (the real CLI, a child process) against `wrangler dev` keeping 5 messages per room.
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import { mintToken } from "../../src/cli/tokens/mint.ts";
import { useDevServer } from "../e2e/support/use-dev-server.ts";
import { TEST_SECRET } from "../support/dev-server.ts";
import { runCli } from "./cli-process.ts";

const server = useDevServer({ vars: { HISTORY_LIMIT: "5" } });

/** Publishes `{"n":i}` for each i over HTTP with an admin token; returns the seqs. */
async function publish(room: string, ns: number[]): Promise<number[]> {
  const token = await mintToken({
    secret: TEST_SECRET,
    user: "ops",
    rooms: { [room]: ["admin"] },
    ttlSeconds: 60,
  });
  const seqs: number[] = [];
  for (const n of ns) {
    const res = await fetch(`${server.url}/rooms/${room}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { n } }),
    });
    expect(res.status).toBe(201);
    seqs.push(((await res.json()) as { seq: number }).seq);
  }
  return seqs;
}

const lines = (stdout: string) =>
  stdout
    .split("\n")
    .filter((l) => l !== "")
    .map((l) => JSON.parse(l) as { type: string; seq: number; data: unknown; from: unknown });

describe("roomcast history", () => {
  it("pages forward with --after and back with --before/--limit, oldest first, noting more and gap", async () => {
    const room = `hist-${randomUUID().slice(0, 8)}`;
    expect(await publish(room, [1, 2, 3, 4, 5, 6, 7])).toEqual([1, 2, 3, 4, 5, 6, 7]);
    const reader = ["--user", "reader", "--secret", TEST_SECRET]; // mints read on the room

    // The room keeps 5: seqs 1 and 2 were trimmed, so --after 0 reports a gap.
    const all = await runCli(["history", server.url, "--room", room, "--after", "0", ...reader]);
    expect(all.code).toBe(0);
    const got = lines(all.stdout);
    expect(got.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
    expect(got[0]).toMatchObject({ type: "message", seq: 3, data: { n: 3 }, from: { id: "ops" } });
    expect(all.stderr).toBe(
      "roomcast: gap: messages after seq 0 were trimmed from history (this page starts at seq 3)\n",
    );

    const info = await runCli(["info", server.url, "--room", room, "--user", "ops", "--secret", TEST_SECRET]);
    const epoch = (JSON.parse(info.stdout) as { epoch: string }).epoch;

    const forward = await runCli([
      "history",
      server.url,
      "--room",
      room,
      "--after",
      "3",
      "--limit",
      "2",
      "--epoch",
      epoch,
      ...reader,
    ]);
    expect(forward.code).toBe(0);
    expect(lines(forward.stdout).map((m) => m.seq)).toEqual([4, 5]);
    expect(forward.stderr).toBe(
      `roomcast: more: newer messages remain; next page: --after 5 --epoch ${epoch}\n`,
    );

    // --before pages come newest first from the server; the CLI prints them in ascending seq.
    const back = await runCli([
      "history",
      server.url,
      "--room",
      room,
      "--before",
      "7",
      "--limit",
      "3",
      ...reader,
    ]);
    expect(back.code).toBe(0);
    expect(lines(back.stdout).map((m) => m.seq)).toEqual([4, 5, 6]);
    expect(back.stderr).toBe(
      `roomcast: more: older messages remain; next page: --before 4 --epoch ${epoch}\n`,
    );

    const last = await runCli(["history", server.url, "--room", room, "--before", "4", ...reader]);
    expect(lines(last.stdout).map((m) => m.seq)).toEqual([3]);
    expect(last.stderr).toBe("roomcast: gap: older messages (before seq 3) were trimmed from history\n");

    // A page that is the whole story prints nothing on stderr.
    const tail = await runCli(["history", server.url, "--room", room, "--after", "5", ...reader]);
    expect(lines(tail.stdout).map((m) => m.seq)).toEqual([6, 7]);
    expect(tail.stderr).toBe("");

    const stale = await runCli(["history", server.url, "--room", room, "--epoch", "not-it", ...reader]);
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/^roomcast: epoch_mismatch: .+\n$/);

    const elsewhere = await mintToken({
      secret: TEST_SECRET,
      user: "eve",
      rooms: { "elsewhere-*": ["read"] },
      ttlSeconds: 60,
    });
    const forbidden = await runCli(["history", server.url, "--room", room, "--token", elsewhere]);
    expect(forbidden.code).toBe(1);
    expect(forbidden.stderr).toMatch(/^roomcast: forbidden: .+\n$/);

    const both = await runCli([
      "history",
      server.url,
      "--room",
      room,
      "--after",
      "1",
      "--before",
      "3",
      ...reader,
    ]);
    expect(both.code).toBe(2);
    expect(both.stderr).toBe("roomcast: history: give --after or --before, not both\n");
  });
});
