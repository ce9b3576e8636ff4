// Upgrades the worker refuses itself (400, 401, 403, 429, 500, 503, before any room is reached) as
// data points of the optional METRICS dataset (docs/metrics.md). The worker holds no state to
// aggregate in, so each refused upgrade is one point; refusals a room answers are counted by the room.
import { metricsDataset, point, writePoint } from "../server/metrics.ts";
import { errorMessage } from "../shared/errors.ts";
import type { HttpError } from "./http-error.ts";

/** `…/rooms/<room>/ws`, wherever the routes are mounted. */
const UPGRADE_PATH = /\/rooms\/([^/]*)\/ws$/;

/** Writes a `refused` point (double1 1, double2 the status) when `req` was an upgrade; never throws. */
export function countRefusal(
  env: object,
  req: Request,
  path: string,
  err: Pick<HttpError, "status" | "code">,
): void {
  const dataset = metricsDataset(env);
  if (dataset === null || req.headers.get("upgrade")?.toLowerCase() !== "websocket") return;
  const raw = UPGRADE_PATH.exec(path)?.[1] ?? "";
  let room: string;
  try {
    room = decodeURIComponent(raw);
  } catch {
    room = raw;
  }
  const from = { room, source: "worker", shard: null } as const;
  writePoint(dataset, point(from, "refused", err.code, [1, err.status]), (e) =>
    console.warn(JSON.stringify({ event: "metrics_failed", path, error: errorMessage(e) })),
  );
}
