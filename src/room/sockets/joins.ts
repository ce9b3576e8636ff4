// A join before its socket exists: the caps, the room's `onJoin` (told only of joins the room would
// admit), the owner's plan (ban check, resume), and the kicks that land meanwhile. The socket host
// (socket-host.ts) accepts what this admits.
//
// Joins in flight are counted: a kick of a user while one of theirs is in flight closes nothing yet,
// so the join is refused once it gets here (`403 forbidden`) instead of slipping in after the kick.
// A refusal after `onJoin` admitted the user's first socket runs `onLeave`, so the two always pair.
import type { Identity } from "../../server/identity.ts";
import type { Log } from "../../server/logger.ts";
import type { Settings } from "../../server/settings.ts";
import { errorResponse } from "../../shared/errors.ts";
import { type DeferredSends, joinVerdict, runLeave } from "../hooks/join-leave.ts";
import type { ResumeRequest } from "../log/resume.ts";
import { capped } from "./admission.ts";
import type { HostHooks, HostOptions, HostOwner, JoinPlan } from "./host-owner.ts";
import type { SocketIndex } from "./socket-index.ts";

/** A join the room admits: its owner's plan, and the sends its `onJoin` made (for once it is open). */
export interface Admitted {
  plan: JoinPlan;
  greeted: DeferredSends;
  /** onJoin admitted it as the user's first socket: a refusal from here on owes the app its onLeave */
  joinedFirst: boolean;
}

export class Joins {
  readonly #index: () => SocketIndex;
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #owner: HostOwner;
  readonly #options: HostOptions;
  /** joins waiting for their onJoin or their owner's plan */
  #inFlight = 0;
  /** kicks so far, and per user the number of their last kick (while joins are in flight) */
  #kicks = 0;
  readonly #kickedAt = new Map<string, number>();
  /** @internal Test seam: while set, each join waits for it after its plan (a window for a kick). */
  hold: Promise<void> | null = null;

  constructor(
    index: () => SocketIndex,
    settings: Settings,
    log: Log,
    owner: HostOwner,
    options: HostOptions,
  ) {
    this.#index = index;
    this.#settings = settings;
    this.#log = log;
    this.#owner = owner;
    this.#options = options;
  }

  /** Joins still waiting for their hook or plan: the host is not empty while one is. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** `user` was kicked: a join of theirs in flight must be refused when it gets here. */
  kicked(user: string): void {
    if (this.#inFlight > 0) this.#kickedAt.set(user, ++this.#kicks);
  }

  /**
   * Admits `who` (resuming from `resume`), or answers why not: the response to send instead. The
   * caller accepts the socket after `recheck`, in the same turn.
   */
  async admit(who: Identity, resume: ResumeRequest | null): Promise<Admitted | Response> {
    const refused = this.#capped(who);
    if (refused !== null) return refused;
    let greeted: DeferredSends = [];
    let plan: JoinPlan | Response;
    let kicked = false;
    /** onJoin admitted this user's first socket: a refusal from here on owes the app its onLeave */
    let joinedFirst = false;
    const kicksBefore = this.#kicks;
    this.#inFlight++;
    try {
      const hooks = this.#options.hooks();
      if (hooks?.onJoin !== undefined) {
        const verdict = await this.#joinHook(hooks, who);
        if (verdict instanceof Response) return verdict;
        greeted = verdict.sends;
        joinedFirst = verdict.first;
      }
      const pending = this.#owner.plan(who, resume, this.#index().size === 0);
      plan = pending instanceof Promise ? await pending : pending;
      if (this.hold) await this.hold;
      // A kick of this user while the hook ran or the plan was asked (its ban check already passed)
      // closed nothing here yet: the join must not slip in after it.
      kicked = (this.#kickedAt.get(who.id) ?? -1) > kicksBefore;
    } catch (err) {
      this.#refusedAfterJoin(who, joinedFirst, null);
      throw err;
    } finally {
      if (--this.#inFlight === 0) this.#kickedAt.clear();
    }
    if (plan instanceof Response) return this.#refusedAfterJoin(who, joinedFirst, plan);
    if (kicked) {
      const removed = `user '${who.id}' was removed from room '${who.room}' while joining`;
      return this.#refusedAfterJoin(who, joinedFirst, errorResponse(403, "forbidden", removed));
    }
    return { plan, greeted, joinedFirst };
  }

  /**
   * The caps again, for a join `admit` admitted: other upgrades may have been admitted while its hook
   * or plan was awaited. Call it in the same turn as the accept, so no other join gets in between.
   */
  recheck(who: Identity, admitted: Admitted): Response | null {
    const late = this.#capped(who);
    return late === null ? null : this.#refusedAfterJoin(who, admitted.joinedFirst, late);
  }

  #capped(who: Identity): Response | null {
    return capped(this.#index(), who, this.#settings, this.#options.where(who.room));
  }

  /**
   * The room's `onJoin`, told only of a join the room would admit: the ban check and the caps first
   * (the caps again, as other upgrades may have been admitted while the ban was asked). Its refusal or
   * failure as a response, else the sends it made (for once the socket is open) and whether it was
   * told of the user's first socket here.
   */
  async #joinHook(
    hooks: HostHooks,
    who: Identity,
  ): Promise<Response | { sends: DeferredSends; first: boolean }> {
    const banned = await this.#owner.refusal(who);
    if (banned !== null) return banned;
    const refused = this.#capped(who);
    if (refused !== null) return refused;
    const first = this.#index().connectionsOf(who.id) === 0;
    const verdict = await joinVerdict(hooks, who, first, this.#options.hookTimeoutMs, this.#log);
    return verdict instanceof Response ? verdict : { sends: verdict, first };
  }

  /**
   * A join was refused (or failed) after all: when `onJoin` had admitted it as the user's first socket
   * (a ban or kick, a full room, a failed plan while the hook ran), `onLeave` pairs it, unless another
   * socket of the user got in meanwhile (its own close will). No leave event: no join event went out.
   */
  #refusedAfterJoin<R extends Response | null>(who: Identity, joinedFirst: boolean, refusal: R): R {
    if (joinedFirst && this.#index().connectionsOf(who.id) === 0) {
      const user = { id: who.id, name: who.name };
      runLeave(this.#options.hooks(), who.room, user, this.#options.hookTimeoutMs, this.#log);
    }
    return refusal;
  }
}
