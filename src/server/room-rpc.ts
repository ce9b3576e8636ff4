// What the worker and the room exchange over RPC besides the upgrade: shapes only, no runtime imports.

/** `GET /rooms/:room/messages` parameters, validated by the worker. */
export type HistoryQuery = ({ after: number } | { before: number } | Record<never, never>) & {
  limit: number;
  epoch?: string;
};

/** A history page as JSON body text (stored frames spliced in unparsed), or why there is none. */
export type HistoryAnswer =
  | { ok: true; body: string }
  | { ok: false; status: 409; code: "epoch_mismatch"; message: string };

/** What an HTTP publish reports; the worker turns refusals into HTTP errors. */
export type HttpPublishResult =
  | { ok: true; seq: number; duplicate?: true }
  | { ok: false; code: "too_large" | "overloaded" | "unavailable" | "banned"; message: string };
