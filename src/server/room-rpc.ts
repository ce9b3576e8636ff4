// What the worker and the room exchange over RPC besides the upgrade: shapes only, no runtime imports.
import type { KickResult, RoomInfo, UserRef } from "../shared/protocol.ts";

/** `GET /rooms/:room/messages` parameters, validated by the worker. */
export type HistoryQuery = ({ after: number } | { before: number } | Record<never, never>) & {
  limit: number;
  epoch?: string;
};

/** A history page as JSON body text (stored frames spliced in unparsed), or why there is none. */
export type HistoryAnswer =
  | { ok: true; body: string }
  | { ok: false; status: 409; code: "epoch_mismatch"; message: string }
  | { ok: false; status: 403; code: "banned"; message: string };

/** What an HTTP publish reports; the worker turns refusals into HTTP errors. */
export type HttpPublishResult =
  | { ok: true; seq: number; duplicate?: true }
  | {
      ok: false;
      code: "too_large" | "overloaded" | "unavailable" | "banned" | "rejected" | "internal";
      message: string;
    };

/**
 * What the worker asks of a room over RPC, whichever way it is deployed: a plain `Room`, or the
 * `Sequencer` of a sharded room. Both implement it, so the worker picks the object once per request.
 */
export interface RoomBackend {
  /** Room info for `GET /rooms/:room`. */
  info(room: string): RoomInfo | Promise<RoomInfo>;
  /** A page of `GET /rooms/:room/messages` for `user` (`403 banned` while the user is banned). */
  history(room: string, q: HistoryQuery, user: string): HistoryAnswer | Promise<HistoryAnswer>;
  /** `POST /rooms/:room/messages`: a server-side publish, broadcast to every socket. */
  publish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult>;
  /** `POST /rooms/:room/kick`: closes the user's sockets with 4403 and, for banSeconds > 0, bans them. */
  kick(
    room: string,
    user: string,
    banSeconds: number,
    reason: string | undefined,
  ): KickResult | Promise<KickResult>;
  /** The `403 banned` message while the user is banned from the room, else null. */
  banned(room: string, user: string): string | null;
  /**
   * Stores a ban without closing anything: the worker mirrors each ban into the room's other
   * deployment, so it holds when the room moves into or out of SHARDED_ROOMS.
   */
  ban(room: string, user: string, banSeconds: number, reason: string | undefined): void;
}
