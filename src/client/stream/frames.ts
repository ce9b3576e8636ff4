// Parses server text frames from `unknown` into the contract's ServerFrame union (valibot).
import * as v from "valibot";
import {
  type AckFrame,
  type BatchFrame,
  type DirectFrame,
  type ErrorFrame,
  FRAME_ERROR_CODES,
  type MarkFrame,
  type MessageFrame,
  type PresenceDiffFrame,
  type PresenceFrame,
  type RefreshedFrame,
  type ServerFrame,
  type SignalFrame,
  type SyncedFrame,
  type WelcomeFrame,
} from "../../shared/protocol.ts";

const Seq = v.pipe(v.number(), v.integer(), v.minValue(0));
const User = v.object({ id: v.string(), name: v.nullable(v.string()) });
// `state` is absent from servers older than presence state: read it as unset.
const Member = v.object({ ...User.entries, connections: Seq, state: v.optional(v.unknown(), null) });

const Synced = v.object({
  type: v.literal("synced"),
  seq: Seq,
  replayed: Seq,
  gap: v.boolean(),
  more: v.optional(v.boolean(), false),
  next: v.optional(Seq),
}) satisfies v.GenericSchema<unknown, SyncedFrame>;

const Welcome = v.pipe(
  v.object({
    type: v.literal("welcome"),
    room: v.string(),
    epoch: v.string(),
    seq: Seq,
    connectionId: v.string(),
    user: User,
    members: v.array(Member),
    membersTotal: v.optional(Seq),
    limits: v.object({
      maxMessageBytes: v.pipe(v.number(), v.minValue(1)),
      idleTimeoutSeconds: v.pipe(v.number(), v.minValue(1)),
      ratePerSecond: v.pipe(v.number(), v.minValue(1)),
    }),
    // Protocol 2, nothing replayed: the synced state rides in the welcome.
    synced: v.optional(v.omit(Synced, ["type"])),
  }),
  // Servers before big-room presence sent the full list only.
  v.transform((w) => ({ ...w, membersTotal: w.membersTotal ?? w.members.length })),
) satisfies v.GenericSchema<unknown, WelcomeFrame>;

const Ack = v.object({
  type: v.literal("ack"),
  // A publish without an id is acked with `id: null`; tolerate a missing id the same way.
  id: v.optional(v.nullable(v.string()), null),
  seq: Seq,
  duplicate: v.optional(v.literal(true)),
  /** the data as stored, when the room's onPublish hook changed it */
  data: v.optional(v.unknown()),
}) satisfies v.GenericSchema<unknown, AckFrame>;

const Message = v.object({
  type: v.literal("message"),
  seq: Seq,
  id: v.optional(v.string()),
  from: User,
  data: v.unknown(),
  ts: v.number(),
}) satisfies v.GenericSchema<unknown, MessageFrame>;

const Batch = v.object({
  type: v.literal("batch"),
  messages: v.array(Message),
}) satisfies v.GenericSchema<unknown, BatchFrame>;

/** What every relayed frame (direct, signal) carries. */
const RELAYED = { from: User, data: v.unknown(), ts: v.number() };

const Direct = v.object({
  type: v.literal("direct"),
  ...RELAYED,
  id: v.optional(v.string()),
}) satisfies v.GenericSchema<unknown, DirectFrame>;

const Presence = v.variant("event", [
  v.object({ type: v.literal("presence"), event: v.picklist(["join", "leave"]), user: User, members: Seq }),
  v.object({
    type: v.literal("presence"),
    event: v.literal("update"),
    user: User,
    state: v.optional(v.unknown(), null),
    members: Seq,
  }),
  v.object({ type: v.literal("presence"), event: v.literal("count"), members: Seq }),
  v.object({
    type: v.literal("presence"),
    event: v.literal("diff"),
    joins: v.array(User),
    leaves: v.array(User),
    members: Seq,
  }),
]) satisfies v.GenericSchema<unknown, PresenceFrame | PresenceDiffFrame>;

const Signal = v.object({
  type: v.literal("signal"),
  ...RELAYED,
}) satisfies v.GenericSchema<unknown, SignalFrame>;

const Refreshed = v.object({
  type: v.literal("refreshed"),
  exp: v.number(),
  capabilities: v.array(v.picklist(["read", "write", "admin"])),
}) satisfies v.GenericSchema<unknown, RefreshedFrame>;

const ErrorSchema = v.object({
  type: v.literal("error"),
  code: v.picklist(FRAME_ERROR_CODES),
  message: v.string(),
  id: v.optional(v.string()),
}) satisfies v.GenericSchema<unknown, ErrorFrame>;

/** The server asks for a `read` answer (send budget); the client answers it on arrival. */
const Mark = v.object({
  type: v.literal("mark"),
  n: v.pipe(v.number(), v.integer(), v.minValue(1)),
}) satisfies v.GenericSchema<unknown, MarkFrame>;

const Frame = v.variant("type", [
  Welcome,
  Mark,
  Synced,
  Ack,
  Message,
  Batch,
  Direct,
  Presence,
  Signal,
  Refreshed,
  ErrorSchema,
]);

/** The result of reading one text frame: a frame, or why it is not one. */
export type ParsedFrame = { ok: true; frame: ServerFrame } | { ok: false; problem: string };

/** Parses one JSON text frame; never throws. */
export function parseServerFrame(text: string): ParsedFrame {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, problem: `not JSON: ${text.slice(0, 80)}` };
  }
  const result = v.safeParse(Frame, json);
  if (result.success) return { ok: true, frame: result.output };
  const issue = result.issues[0];
  const path = issue.path?.map((p) => String(p.key)).join(".") ?? "";
  return { ok: false, problem: `${path ? `${path}: ` : ""}${issue.message}` };
}
