// The HMAC key of a secret is imported once and reused: tokens keep verifying, and only with their own
// secret; a secret is never mistaken for a PEM key, when signing (the test helper) or verifying.
import { describe, it } from "vitest";
import { TokenError, verifyToken } from "../../src/server/token.ts";
import { nowSeconds, signClaims } from "../support/tokens.ts";

const claims = () => ({ sub: "ann", rooms: ["lobby"], exp: nowSeconds() + 60 });

describe("verifyToken's key", () => {
  it("verifies many tokens with one secret, and refuses another secret's", async ({ expect }) => {
    const secret = `a-${crypto.randomUUID()}-0123456789abcdef`;
    for (const sub of ["ann", "bob", "cy"]) {
      const v = await verifyToken(await signClaims({ ...claims(), sub }, { secret }), secret);
      expect(v.sub).toBe(sub);
    }
    const other = await signClaims(claims(), { secret: `${secret}-other` });
    const refused = await verifyToken(other, secret).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenError);
    expect((refused as TokenError).message).toBe("token signature does not match");
  });

  it.for(["PUBLIC-looking-secret-0123456789abcdef0123", "my-PRIVATE-secret-0123456789abcdef0123"])(
    "uses a secret like %s as an HMAC secret, not as a PEM key",
    async (secret, { expect }) => {
      const v = await verifyToken(await signClaims(claims(), { secret }), secret);
      expect(v.sub).toBe("ann");
    },
  );
});
