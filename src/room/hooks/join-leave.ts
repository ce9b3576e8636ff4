// `onJoin` and `onLeave` as the socket host runs them: within the hook budget, failures logged, a
// join's sends held until the new socket is open.
import type { Identity } from "../../server/identity.ts";
import type { Log } from "../../server/logger.ts";
import { errorMessage, errorResponse } from "../../shared/errors.ts";
import type { UserRef } from "../../shared/protocol.ts";
import type { HostHooks } from "../sockets/host-owner.ts";
import { runHook } from "./hooks.ts";

/** Sends an `onJoin` made, to run once the joining socket is open. */
export type DeferredSends = (() => Promise<void>)[];

/**
 * Runs `onJoin` for a connection of `who` (`first`: the user has no socket here yet). A refusal
 * (`403 rejected`), a failure (`500 internal`), or the sends it made, deferred: a greeting to the
 * joiner must reach the new socket, which does not exist yet.
 */
export async function joinVerdict(
  hooks: HostHooks | null,
  who: Identity,
  first: boolean,
  budgetMs: number,
  log: Log,
): Promise<Response | DeferredSends> {
  const onJoin = hooks?.onJoin;
  if (hooks === null || onJoin === undefined) return [];
  const base = hooks.context(who.room);
  const deferred: DeferredSends = [];
  const send = (userId: string, data: unknown) => {
    deferred.push(() =>
      base.send(userId, data).catch((err: unknown) => {
        log("warn", { event: "hook_send_failed", hook: "onJoin", room: who.room, error: errorMessage(err) });
      }),
    );
    return Promise.resolve();
  };
  const user = { id: who.id, name: who.name, capabilities: who.capabilities, first };
  let verdict: Awaited<ReturnType<NonNullable<HostHooks["onJoin"]>>>;
  try {
    verdict = await runHook("onJoin", who.room, budgetMs, log, () => onJoin(user, { ...base, send }));
  } catch {
    return errorResponse(500, "internal", `room '${who.room}' could not admit this connection; try again`);
  }
  if (verdict && "reject" in verdict) return errorResponse(403, "rejected", verdict.reject);
  return deferred;
}

/** Runs `onLeave` after a user's last socket closed; never awaited, never thrown (runHook logs). */
export function runLeave(
  hooks: HostHooks | null,
  room: string,
  user: UserRef,
  budgetMs: number,
  log: Log,
): void {
  const onLeave = hooks?.onLeave;
  if (hooks === null || onLeave === undefined) return;
  const ctx = hooks.context(room);
  runHook("onLeave", room, budgetMs, log, () => onLeave(user, ctx)).catch(() => {
    // logged by runHook; a leave hook never affects the sockets
  });
}
