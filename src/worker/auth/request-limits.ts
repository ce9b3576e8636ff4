// Request rate limits per client IP and per user, on the Workers Rate Limiting binding: every
// authenticated route (the upgrade included) is charged, before it wakes a Durable Object.
import { HttpError } from "../http-error.ts";

/** Binding keyed by the client's IP (`CF-Connecting-IP`), charged before the token is read. */
export const IP_LIMIT_BINDING = "RATE_LIMIT_IP";
/** Binding keyed by the verified user id (`sub`), charged after the token verified. */
export const USER_LIMIT_BINDING = "RATE_LIMIT_USER";

/**
 * `Retry-After` of a `429 rate_limited`, in seconds: the binding does not say when its window ends,
 * so this is its shorter period (the default configuration uses it).
 */
export const RATE_LIMIT_RETRY_AFTER = 10;

/** The part of the Rate Limiting binding used here (`env.X.limit({ key })` → `{ success }`). */
interface RateLimiter {
  limit(options: { key: string }): Promise<{ success: boolean }>;
}

function limiter(env: object, name: string): RateLimiter | null {
  const b = (env as Record<string, unknown>)[name];
  return typeof (b as Partial<RateLimiter> | undefined)?.limit === "function" ? (b as RateLimiter) : null;
}

async function charge(env: object, name: string, key: string, who: string): Promise<void> {
  const l = limiter(env, name);
  if (l === null) return;
  const { success } = await l.limit({ key });
  if (!success) {
    throw new HttpError(429, "rate_limited", `too many requests from this ${who}; retry later`, {
      retryAfter: RATE_LIMIT_RETRY_AFTER,
    });
  }
}

/**
 * Charges the client's IP, when the binding exists and the platform named the IP (Cloudflare always
 * sets `CF-Connecting-IP`, and overwrites any value a client sent). Throws `429 rate_limited`.
 */
export function limitIp(env: object, req: Request): Promise<void> {
  const ip = req.headers.get("cf-connecting-ip");
  if (ip === null || ip === "") return Promise.resolve();
  return charge(env, IP_LIMIT_BINDING, `ip:${ip}`, "address");
}

/** Charges the verified user, when the binding exists. Throws `429 rate_limited`. */
export function limitUser(env: object, user: string): Promise<void> {
  return charge(env, USER_LIMIT_BINDING, `user:${user}`, "user");
}
