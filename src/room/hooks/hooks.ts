// Room hooks: an embedder's rules, run inside the room (docs/hooks.md). The shapes, and how one call
// is run: within its time budget, its failures logged with the room and never thrown at the room.
import type { Log } from "../../server/logger.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { Capability, UserRef } from "../../shared/protocol.ts";

/** The server's own identity: `from` of what a hook publishes, of what `ctx.send` sends. */
export const SERVER_USER: UserRef = { id: "@server", name: null };

/** What a hook can do in its room. */
export interface RoomContext<E = unknown> {
  /** the room's name */
  room: string;
  /** the Worker's environment (bindings, vars, secrets) */
  env: E;
  /** A `direct` frame from the server (`from` is `@server`) to every socket of one user in the room. */
  send(userId: string, data: unknown): Promise<void>;
  /** Publishes as the server: stored with a seq and broadcast; no hook runs for it. */
  publish(data: unknown): Promise<{ seq: number }>;
}

/** A publish as `onPublish` sees it, before it is stored. */
export interface PublishedMessage {
  from: UserRef;
  data: unknown;
  /** the client's idempotency key, if any */
  id?: string;
  /** where it came from: a socket, or `POST /rooms/:room/messages` */
  via: "socket" | "http";
}

/** A connection as `onJoin` sees it (after `authenticate()` or the JWT check admitted it). */
export interface JoiningUser extends UserRef {
  capabilities: Capability[];
  /** this is the user's first socket in the room (on this shard, for a sharded room) */
  first: boolean;
}

/** `onPublish`'s answer: nothing (store as is), new data, or a refusal with a reason for the publisher. */
export type PublishVerdict = undefined | { data: unknown } | { reject: string };
/** `onJoin`'s answer: nothing (admit), or a refusal with a reason (`403 rejected`). */
export type JoinVerdict = undefined | { reject: string };

/** What a hook returns, or a promise of it; returning nothing (an async hook's `Promise<void>`) is allowed. */
// biome-ignore lint/suspicious/noConfusingVoidType: an async hook that returns nothing resolves to void
export type HookResult<V> = V | void | Promise<V | void>;

export interface RoomHooks<E = unknown> {
  /** Before a publish is stored; at most once per message, never for duplicates or `ping`. */
  onPublish?(message: PublishedMessage, ctx: RoomContext<E>): HookResult<PublishVerdict>;
  /**
   * Before a connection is accepted, once it passed the ban check and the caps (only admitted joins);
   * `ctx.send` to the joiner arrives right after its `synced`.
   */
  onJoin?(user: JoiningUser, ctx: RoomContext<E>): HookResult<JoinVerdict>;
  /** After a user's last socket in the room closed. */
  onLeave?(user: UserRef, ctx: RoomContext<E>): void | Promise<void>;
}

/** Why a hook call gave no verdict: it threw, or overran its budget. */
export class HookFailed extends Error {
  override name = "HookFailed";
}

/**
 * Runs one hook call within `budgetMs`. A throw or an overrun becomes `HookFailed`, logged once with
 * the room (the hook's own error message included; never sent to a client).
 */
export async function runHook<R>(
  name: string,
  room: string,
  budgetMs: number,
  log: Log,
  call: () => R | Promise<R>,
): Promise<R> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const overrun = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new HookFailed(`${name} took longer than ${budgetMs} ms`)), budgetMs);
  });
  try {
    return await Promise.race([Promise.resolve().then(call), overrun]);
  } catch (err) {
    log("warn", { event: "hook_failed", hook: name, room, error: errorMessage(err) });
    throw err instanceof HookFailed ? err : new HookFailed(`${name} failed`, { cause: err });
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The `direct` frame text of `ctx.send`: from the server identity. */
export function serverDirect(data: unknown): string {
  return JSON.stringify({ type: "direct", from: SERVER_USER, data, ts: Date.now() });
}

/** A hook's context: `deliver` takes a ready `direct` frame for one user's sockets, wherever they are. */
export function hookContext<E>(
  room: string,
  env: E,
  deliver: (userId: string, text: string) => unknown,
  publish: (data: unknown) => Promise<{ seq: number }>,
): RoomContext<E> {
  return {
    room,
    env,
    send: async (userId, data) => {
      await deliver(userId, serverDirect(data));
    },
    publish,
  };
}
