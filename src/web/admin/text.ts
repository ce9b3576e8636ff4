// Pure text for the admin page: rates, ages, kick results, and what a failed call means for the operator.
import type { ErrorLike, Explanation } from "../format.ts";

/** A failed poll explained, and whether polling again with the same token could ever help. */
export interface PollFailure extends Explanation {
  /** The token was refused: stop polling and ask for another. */
  final: boolean;
}

/** Messages per second: one decimal below 10, whole numbers above; "0" when idle. */
export function formatRate(perSecond: number): string {
  if (perSecond <= 0) return "0";
  return perSecond < 10 ? perSecond.toFixed(1) : String(Math.round(perSecond));
}

/** A chart's time span in whole minutes, at least one: "1 min", "5 min". */
export function formatSpan(ms: number): string {
  return `${Math.max(1, Math.round(ms / 60_000))} min`;
}

/** "now", "12 s ago", "3 min ago", "2 h ago", "4 d ago" (a future time, clocks apart, reads "now"). */
export function ago(then: number, now: number): string {
  const s = Math.floor((now - then) / 1000);
  if (s < 1) return "now";
  if (s < 60) return `${s} s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} d ago`;
}

/** What a kick did: "Kicked bob: 2 sockets closed, banned for 60 s". */
export function kickResult(user: string, closed: number, banSeconds: number): string {
  const sockets = `${closed} socket${closed === 1 ? "" : "s"} closed`;
  return `Kicked ${user}: ${sockets}${banSeconds > 0 ? `, banned for ${banSeconds} s` : ""}`;
}

/** Why a call failed, as a title naming the cause (with its code) and a detail line. */
export function explainFailure(e: ErrorLike & { status?: number }, retryMs: number): PollFailure {
  const detail = e.message ?? "";
  const again = `Trying again in ${Math.max(1, Math.round(retryMs / 1000))} s.`;
  switch (e.code) {
    case "network":
      return { title: "Cannot reach the server", detail: `${detail}. ${again}`, final: false };
    case "unauthorized":
      return { title: "Token expired or invalid (unauthorized)", detail, final: true };
    case "forbidden":
      return { title: "This token is not an admin token (forbidden)", detail, final: true };
    case "rate_limited":
      return { title: "Too many requests (rate_limited)", detail: `${detail} ${again}`, final: false };
    case "misconfigured":
      return {
        title: "The server is misconfigured (misconfigured)",
        detail: `${detail} ${again}`,
        final: false,
      };
    case "not_found":
    case "http_404":
      return {
        title: "This server has no room directory (GET /rooms answered 404)",
        detail: `Deploy a roomcast with GET /rooms. ${again}`,
        final: false,
      };
    default:
      return {
        title: `The server answered ${e.code ?? "an error"}`,
        detail: `${detail} ${again}`,
        final: false,
      };
  }
}
