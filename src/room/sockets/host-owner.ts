// What a socket host asks of its owner (a Room or a RoomShard), and how the owner configures it.
import type { Identity } from "../../server/identity.ts";
import type { UserRef } from "../../shared/protocol.ts";
import type { EventSink } from "../hooks/event-sink.ts";
import type { RoomContext, RoomHooks } from "../hooks/hooks.ts";
import type { LogPublish, PublishOutcome } from "../log/message-log.ts";
import type { ReplayResult } from "../log/replay.ts";
import type { ResumeRequest } from "../log/resume.ts";
import type { RoomMetrics } from "../metrics/room-metrics.ts";
import type { SocketState } from "./socket-state.ts";

/** The owner's answer for a joining socket: where the room stands and what to replay. */
export interface JoinPlan {
  epoch: string;
  /** the seq the socket's live stream continues after */
  seq: number;
  gap: boolean;
  /** distinct users elsewhere (a sharded room's other shards), added to this host's own count */
  elsewhere: number;
  /** sends the replay through `send`; null when nothing is replayed */
  replay: ((send: (frames: string[]) => void) => ReplayResult) | null;
}

/** What differs between a Room and a RoomShard. */
export interface HostOwner {
  /**
   * Why `who` may not join (`403 banned`), or null. Asked before the room's `onJoin`, and only when
   * there is one: the plan asks again, for a ban that lands while the hook runs.
   */
  refusal(who: Identity): Response | null | Promise<Response | null>;
  /** A joining socket's plan, or a refusal (e.g. `403 banned`). `empty`: this host has no socket yet. */
  plan(
    who: Identity,
    resume: ResumeRequest | null,
    empty: boolean,
  ): JoinPlan | Response | Promise<JoinPlan | Response>;
  /** A writer's publish: commit it (or ask the sequencer to). */
  publish(ws: WebSocket, state: SocketState, p: LogPublish, bytes: number): Promise<PublishOutcome>;
  /** A writer's binary frame, for everyone else in the room. */
  binary(ws: WebSocket, state: SocketState, data: ArrayBuffer): void | Promise<void>;
  /** A signal frame's text, for everyone else in the room (`to` undefined) or for one user. */
  signal(ws: WebSocket, state: SocketState, text: string, to: string | undefined): void | Promise<void>;
  /** A `direct` frame's text for one user's sockets; resolves to how many it reached. */
  direct(to: string, text: string): number | Promise<number>;
  /** A socket was admitted; `first`: its user's first socket here. */
  connected(ws: WebSocket, state: SocketState, first: boolean, batch: boolean): void;
  /** A socket left; `last`: its user's last socket here. */
  disconnected(ws: WebSocket, state: SocketState, last: boolean): void;
  /** A user's presence state was stored (on all of the user's sockets here). */
  stateChanged(user: UserRef, value: unknown, ws: WebSocket): void;
  /** When the owner wants the alarm while sockets are here (a directory heartbeat), or null. */
  alarmAt?(): number | null;
  /** The alarm fired (after the idle sweep): the owner's own work; resolves to its next wanted time. */
  alarmed?(): Promise<number | null>;
}

export interface HostOptions {
  /** most members listed in a welcome */
  listed: number;
  /** AUTH_SECRET, for in-band refresh */
  secret: string | undefined;
  /** how refusals name this host: `room 'x'`, or `shard 2 of 'x'` */
  where: (room: string) => string;
  /** extra log fields (a shard's number) */
  logFields?: () => Record<string, unknown>;
  /** the room's `onJoin`/`onLeave` hooks and their context (read when used); null: none */
  hooks: () => HostHooks | null;
  /** where join and leave events go */
  events: EventSink;
  /** time budget of one hook call, ms */
  hookTimeoutMs: number;
  /** what the host counts (closes, deliveries) for the optional METRICS dataset */
  metrics: RoomMetrics;
}

export interface HostHooks {
  onJoin?: RoomHooks["onJoin"];
  onLeave?: RoomHooks["onLeave"];
  context(room: string): RoomContext;
}
