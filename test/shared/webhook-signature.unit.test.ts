// The webhook signature: what signWebhook produces, and what verifyWebhook accepts and refuses.
import { createHmac } from "node:crypto";
import { describe, it } from "vitest";
import { parseSignatureHeader, signWebhook, verifyWebhook } from "../../src/shared/webhook-signature.ts";

const SECRET = "whsec-test-0123456789";
const BODY = JSON.stringify({ events: [{ room: "lobby", type: "message", seq: 1, data: "héllo" }] });
const T = 1_800_000_000;
const AT_T = { now: T * 1000 };

describe("signWebhook", () => {
  it("is t=<seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>, as node:crypto computes it", async ({
    expect,
  }) => {
    const mac = createHmac("sha256", SECRET).update(`${T}.${BODY}`).digest("hex");
    expect(await signWebhook(SECRET, BODY, T)).toBe(`t=${T},v1=${mac}`);
  });

  it("signs bytes and the same text alike", async ({ expect }) => {
    expect(await signWebhook(SECRET, new TextEncoder().encode(BODY), T)).toBe(
      await signWebhook(SECRET, BODY, T),
    );
  });

  it("refuses an empty secret and a timestamp that is not unix seconds", async ({ expect }) => {
    await expect(signWebhook("", BODY, T)).rejects.toThrow(/secret/);
    await expect(signWebhook(SECRET, BODY, 1.5)).rejects.toThrow(/timestamp/);
  });
});

describe("verifyWebhook", () => {
  it("accepts a good signature over the raw body (string or bytes)", async ({ expect }) => {
    const header = await signWebhook(SECRET, BODY, T);
    expect(await verifyWebhook(SECRET, BODY, header, AT_T)).toEqual({ ok: true, timestamp: T });
    expect(await verifyWebhook(SECRET, Buffer.from(BODY), header, AT_T)).toEqual({ ok: true, timestamp: T });
  });

  it("refuses a tampered body", async ({ expect }) => {
    const header = await signWebhook(SECRET, BODY, T);
    const tampered = BODY.replace('"seq":1', '"seq":2');
    expect(await verifyWebhook(SECRET, tampered, header, AT_T)).toEqual({ ok: false, reason: "mismatch" });
    // Re-serialised JSON is a different body too: verify before parsing.
    const reformatted = JSON.stringify(JSON.parse(BODY), null, 1);
    expect(await verifyWebhook(SECRET, reformatted, header, AT_T)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a signature made with another secret", async ({ expect }) => {
    const header = await signWebhook("another-secret", BODY, T);
    expect(await verifyWebhook(SECRET, BODY, header, AT_T)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses a timestamp moved after signing (it is part of the MAC)", async ({ expect }) => {
    const header = (await signWebhook(SECRET, BODY, T)).replace(`t=${T}`, `t=${T + 1}`);
    expect(await verifyWebhook(SECRET, BODY, header, AT_T)).toEqual({ ok: false, reason: "mismatch" });
  });

  it("refuses an old or future timestamp beyond the tolerance (default 300 s), accepts one within", async ({
    expect,
  }) => {
    const header = await signWebhook(SECRET, BODY, T);
    expect(await verifyWebhook(SECRET, BODY, header, { now: (T + 301) * 1000 })).toEqual({
      ok: false,
      reason: "stale",
    });
    expect(await verifyWebhook(SECRET, BODY, header, { now: (T - 301) * 1000 })).toEqual({
      ok: false,
      reason: "stale",
    });
    expect((await verifyWebhook(SECRET, BODY, header, { now: (T + 299) * 1000 })).ok).toBe(true);
    expect(await verifyWebhook(SECRET, BODY, header, { now: (T + 61) * 1000, toleranceSeconds: 60 })).toEqual(
      { ok: false, reason: "stale" },
    );
  });

  it.for([
    ["missing", undefined],
    ["empty", ""],
    ["no t", `v1=${"a".repeat(64)}`],
    ["no v1", `t=${T}`],
    ["short v1", `t=${T},v1=abcd`],
    ["non-hex v1", `t=${T},v1=${"z".repeat(64)}`],
    ["non-numeric t", `t=soon,v1=${"a".repeat(64)}`],
    ["two t", `t=${T},t=${T},v1=${"a".repeat(64)}`],
    ["not key=value", "garbage"],
  ] as const)("refuses a malformed header (%s)", async ([, header], { expect }) => {
    expect(await verifyWebhook(SECRET, BODY, header, AT_T)).toEqual({ ok: false, reason: "malformed" });
  });

  it("accepts any matching v1 (secret rotation) and ignores unknown schemes", async ({ expect }) => {
    const good = await signWebhook(SECRET, BODY, T);
    const old = (await signWebhook("old-secret", BODY, T)).split(",")[1];
    expect((await verifyWebhook(SECRET, BODY, `${good},${old},v0=xyz`, AT_T)).ok).toBe(true);
  });
});

describe("parseSignatureHeader", () => {
  it("reads t and every v1, tolerating spaces", ({ expect }) => {
    const a = "a".repeat(64);
    const b = "B".repeat(64);
    expect(parseSignatureHeader(`t=${T}, v1=${a}, v1=${b}`)).toEqual({ t: T, v1: [a, b] });
  });
});
