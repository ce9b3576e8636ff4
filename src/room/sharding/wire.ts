// What the sequencer and the connection shards say to each other over Durable Object RPC.
import type { RoomcastVars } from "../../server/settings.ts";
import type { Member, UserRef } from "../../shared/protocol.ts";
import type { DirectoryVars } from "../directory/report.ts";
import type { ReplayPage } from "../log/replay.ts";
import type { ResumeRequest } from "../log/resume.ts";
import type { Sequencer } from "./sequencer.ts";
import type { RoomShard } from "./shard.ts";

/** The bindings a sharded room's objects use beside the room's own settings (docs/sharding.md). */
export interface ShardedVars extends RoomcastVars, DirectoryVars {
  SEQUENCERS: DurableObjectNamespace<Sequencer>;
  SHARDS: DurableObjectNamespace<RoomShard>;
}

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

export interface ShardStats {
  shard: number;
  connections: number;
  /** distinct users on the shard */
  users: number;
  /** the first of them, in join order */
  members: Member[];
}

export type { PublishOutcome } from "../log/message-log.ts";
export type { ReplayPage, ResumeRequest };
