// What the sequencer and the connection shards say to each other over Durable Object RPC.
import type { Member, UserRef } from "../../shared/protocol.ts";
import type { ReplayPage } from "../log/replay.ts";
import type { ResumeRequest } from "../log/resume.ts";

/** Where a shard sits: the room it serves and its index. */
export interface ShardAddress {
  room: string;
  shard: number;
}

/** One committed message as the sequencer pushes it. */
export interface Committed {
  seq: number;
  /** the `message` frame text, exactly as stored and replayed */
  frame: string;
  /** the publisher's connection id (it gets an ack instead), null for HTTP publishes */
  origin: string | null;
}

/** A push: committed messages in seq order, and the sequencer's head when it was sent. */
export interface Push {
  epoch: string;
  head: number;
  messages: Committed[];
}

/** A range read from the sequencer's history (seq > after), oldest first. */
export interface Range {
  epoch: string;
  head: number;
  /** the oldest retained seq, or null when nothing is retained */
  oldest: number | null;
  messages: Committed[];
}

/** What a join needs from the sequencer: its head and the replay the resume request asks for. */
export interface JoinPlan {
  epoch: string;
  head: number;
  gap: boolean;
  /** replay starts after this seq; null = no replay */
  replayAfter: number | null;
  /** the first MAX_REPLAY_BYTES of that replay (empty without one) */
  replay: ReplayPage;
  /** distinct users as last reported: the room's sum, and the joining shard's own share of it */
  members: { total: number; shard: number };
}

export interface SequencerPublish {
  from: UserRef;
  data: unknown;
  id: string | undefined;
  /** the publisher's connection id, null for HTTP publishes */
  origin: string | null;
}

/**
 * A publish's outcome: its seq (or the duplicate's), or a refusal the publisher is told as an `error`
 * frame: `too_large` (the rendered-size rule) or `overloaded` (the bounded group commit is full; retry).
 * `failed`: the write failed (storage): nothing is acked, the publisher's socket closes 1011.
 */
export type PublishOutcome =
  | { seq: number; duplicate: boolean }
  | { refused: "too_large" | "overloaded"; message: string }
  | { failed: string };

export interface ShardStats {
  shard: number;
  connections: number;
  /** distinct users on the shard */
  users: number;
  /** the first of them, in join order */
  members: Member[];
}

export type { ReplayPage, ResumeRequest };
