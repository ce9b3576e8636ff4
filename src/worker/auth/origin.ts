// Browser Origin check for the handshake (CORS does not apply to WebSocket upgrades).

/**
 * True when the request may proceed: no Origin (non-browser clients), an allowed origin, or, with an
 * empty allowlist, the request's own origin. "*" in the list allows any origin.
 */
export function originAllowed(req: Request, allowed: string[]): boolean {
  const origin = req.headers.get("origin");
  if (origin === null) return true;
  if (allowed.includes("*")) return true;
  if (allowed.length === 0) return origin === new URL(req.url).origin;
  return allowed.includes(origin);
}
