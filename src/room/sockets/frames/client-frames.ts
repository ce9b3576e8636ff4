// Parses a client's text frame from unknown JSON into a typed frame, or a bad_message explanation.
import * as v from "valibot";
import { type ClientFrame, MAX_ID_LENGTH, MAX_USER_ID_LENGTH } from "../../../shared/protocol.ts";

const Id = v.optional(
  v.pipe(
    v.string("id must be a string"),
    v.minLength(1, "id must not be empty"),
    v.maxLength(MAX_ID_LENGTH, `id must be at most ${MAX_ID_LENGTH} characters`),
  ),
);

const Publish = v.object({ type: v.literal("publish"), data: v.unknown(), id: Id });
const To = v.pipe(
  v.string("to must be a user id string"),
  v.minLength(1, "to must not be empty"),
  v.maxLength(MAX_USER_ID_LENGTH, `to must be at most ${MAX_USER_ID_LENGTH} characters`),
);
const Direct = v.object({ type: v.literal("direct"), to: To, data: v.unknown(), id: Id });
const Signal = v.object({ type: v.literal("signal"), data: v.unknown(), to: v.optional(To) });
const State = v.object({ type: v.literal("state"), data: v.unknown() });
const Refresh = v.object({
  type: v.literal("refresh"),
  token: v.pipe(
    v.string("token must be a string"),
    v.minLength(1, "token must not be empty"),
    v.maxLength(8192, "token must be at most 8192 characters"),
  ),
});
const Read = v.object({
  type: v.literal("read"),
  n: v.pipe(v.number("n must be the number of a mark"), v.integer("n must be an integer"), v.minValue(1)),
});
const TYPES = ["publish", "direct", "signal", "state", "refresh", "read"] as const;
const TYPE_MESSAGE = `type must be one of ${TYPES.map((t) => `"${t}"`).join(", ")}`;
const Frame = v.variant("type", [Publish, Direct, Signal, State, Refresh, Read], TYPE_MESSAGE);

export type Parsed = { ok: true; frame: ClientFrame } | { ok: false; message: string; id?: string };

/** Parses one text frame; never throws. */
export function parseClientFrame(text: string): Parsed {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, message: "frame is not JSON (send a JSON object with a type, or the text ping)" };
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    return { ok: false, message: "frame must be a JSON object with a type" };
  }
  const rawId = (json as { id?: unknown }).id;
  const id = typeof rawId === "string" && rawId.length <= MAX_ID_LENGTH ? rawId : undefined;
  const refuse = (message: string): Parsed => ({ ok: false, message, ...(id ? { id } : {}) });
  const type = (json as { type?: unknown }).type;
  if (!TYPES.includes(type as (typeof TYPES)[number])) return refuse(TYPE_MESSAGE);
  if (type !== "refresh" && type !== "read" && !("data" in json)) return refuse("data is required");
  if (type === "direct" && !("to" in json)) return refuse("to must be a user id string");
  const r = v.safeParse(Frame, json);
  return r.success ? { ok: true, frame: r.output } : refuse(r.issues[0]?.message ?? "malformed frame");
}
