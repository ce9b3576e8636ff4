// Parses a client's text frame from unknown JSON into a typed frame, or a bad_message explanation.
import * as v from "valibot";
import { type ClientFrame, MAX_ID_LENGTH, MAX_USER_ID_LENGTH } from "../shared/protocol.ts";

const Id = v.optional(
  v.pipe(
    v.string("id must be a string"),
    v.minLength(1, "id must not be empty"),
    v.maxLength(MAX_ID_LENGTH, `id must be at most ${MAX_ID_LENGTH} characters`),
  ),
);

const Publish = v.object({ type: v.literal("publish"), data: v.unknown(), id: Id });
const Direct = v.object({
  type: v.literal("direct"),
  to: v.pipe(
    v.string("to must be a user id string"),
    v.minLength(1, "to must not be empty"),
    v.maxLength(MAX_USER_ID_LENGTH, `to must be at most ${MAX_USER_ID_LENGTH} characters`),
  ),
  data: v.unknown(),
  id: Id,
});
const Frame = v.variant("type", [Publish, Direct], 'type must be "publish" or "direct"');

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
  if (type !== "publish" && type !== "direct") return refuse('type must be "publish" or "direct"');
  if (!("data" in json)) return refuse("data is required");
  if (type === "direct" && !("to" in json)) return refuse("to must be a user id string");
  const r = v.safeParse(Frame, json);
  return r.success ? { ok: true, frame: r.output } : refuse(r.issues[0]?.message ?? "malformed frame");
}
