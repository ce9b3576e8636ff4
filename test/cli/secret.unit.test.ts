// Where minted tokens get their secret: --secret, $AUTH_SECRET, ./.dev.vars.
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { UsageError } from "../../src/cli/errors.ts";
import { requireSecret } from "../../src/cli/tokens/credentials.ts";
import { findSecret, parseDevVars } from "../../src/cli/tokens/secret.ts";

let dir = "";
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "roomcast-cli-secret-"));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("parseDevVars", () => {
  it("reads KEY=value lines, quotes, export and comments", () => {
    const text = [
      "# local secrets",
      "",
      "AUTH_SECRET=abc123",
      'QUOTED="with spaces # not a comment"',
      "SINGLE='x'",
      "export EXPORTED=yes",
      "TRAILING=value # comment",
      "  SPACED = v  ",
      "not a line",
    ].join("\r\n");
    expect(parseDevVars(text)).toEqual({
      AUTH_SECRET: "abc123",
      QUOTED: "with spaces # not a comment",
      SINGLE: "x",
      EXPORTED: "yes",
      TRAILING: "value",
      SPACED: "v",
    });
  });
});

describe("findSecret", () => {
  it("prefers --secret, then AUTH_SECRET, then .dev.vars", async () => {
    await writeFile(join(dir, ".dev.vars"), "AUTH_SECRET=from-file\n");
    expect(await findSecret({ flag: "from-flag", env: { AUTH_SECRET: "from-env" }, cwd: dir })).toEqual({
      secret: "from-flag",
      source: "--secret",
    });
    expect(await findSecret({ env: { AUTH_SECRET: "from-env" }, cwd: dir })).toEqual({
      secret: "from-env",
      source: "AUTH_SECRET",
    });
    expect(await findSecret({ env: { AUTH_SECRET: "" }, cwd: dir })).toEqual({
      secret: "from-file",
      source: ".dev.vars",
    });
  });

  it("returns null without any source, or when .dev.vars has no AUTH_SECRET", async () => {
    expect(await findSecret({ env: {}, cwd: dir })).toBeNull();
    await writeFile(join(dir, ".dev.vars"), "OTHER=1\nAUTH_SECRET=\n");
    expect(await findSecret({ env: {}, cwd: dir })).toBeNull();
  });

  it("reports an unreadable .dev.vars instead of ignoring it", async () => {
    await mkdir(join(dir, ".dev.vars"));
    await expect(findSecret({ env: {}, cwd: dir })).rejects.toThrow(/cannot read .*\.dev\.vars/);
  });

  it("requireSecret explains every place it looked, as a usage error", async () => {
    const err = await requireSecret(undefined, { env: {}, cwd: dir }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UsageError);
    expect(String(err)).toMatch(/--secret.*AUTH_SECRET.*\.dev\.vars/);
  });
});
