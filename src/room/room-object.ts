// What every roomcast Durable Object starts with: its parsed settings, its logger, where its events go,
// and the room hooks an embedder defined (`defineRoom` subclasses override `roomHooks`).
import { DurableObject } from "cloudflare:workers";
import { type Log, logger } from "../server/logger.ts";
import { placedStub, placementFor } from "../server/placement.ts";
import { parseSettings, type RoomcastVars, type Settings } from "../server/settings.ts";
import { EventSink } from "./hooks/event-sink.ts";
import { hookContext, type RoomContext, type RoomHooks } from "./hooks/hooks.ts";
import { type Describe, RoomMetrics } from "./metrics/room-metrics.ts";

export abstract class RoomObject<E extends RoomcastVars> extends DurableObject<E> {
  protected readonly settings: Settings;
  protected readonly log: Log;
  protected readonly events: EventSink;
  /** What this object counts for the optional METRICS dataset (inert without the binding). */
  protected readonly metrics: RoomMetrics;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    this.settings = parseSettings(env);
    const log = logger(this.settings.logLevel);
    this.metrics = new RoomMetrics(env, () => this.describe(), log);
    this.log = this.metrics.counting(log);
    this.events = new EventSink(env, this.log);
  }

  /** The room's hooks: none here; `defineRoom(hooks)` returns subclasses that answer them. */
  protected roomHooks(): RoomHooks<E> | null {
    return null;
  }

  /** What a hook can do in `room` from this object (`ctx.send`, `ctx.publish`, `ctx.env`). */
  protected context(room: string): RoomContext<E> {
    return hookContext(
      room,
      this.env,
      (userId, text) => this.directTo(userId, text),
      (data) => this.publishAsServer(room, data),
    );
  }

  /** A ready `direct` frame for every socket of one user in the room, wherever they are. */
  protected abstract directTo(userId: string, text: string): unknown;

  /** Publishes as the server (`@server`) into the room's log; no hook runs. */
  abstract publishAsServer(room: string, data: unknown): Promise<{ seq: number }>;

  /** The stub of another object of `room` (its sequencer, a shard), placed as ROOM_PLACEMENT says. */
  protected placed<T extends Rpc.DurableObjectBranded | undefined>(
    ns: DurableObjectNamespace<T>,
    name: string,
    room: string,
  ): DurableObjectStub<T> {
    return placedStub(ns, name, placementFor(this.settings.placement, room));
  }

  /** Which room this object's metrics are about, and its open sockets; null while it does not know. */
  protected abstract describe(): ReturnType<Describe>;

  /** @internal This object's metrics (a test swaps in a recording dataset and flushes). */
  roomMetrics(): RoomMetrics {
    return this.metrics;
  }

  /** @internal Where this object's events go (a test swaps in a recording queue). */
  eventSink(): EventSink {
    return this.events;
  }
}
