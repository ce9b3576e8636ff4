// What every roomcast Durable Object starts with: its parsed settings, its logger, where its events go,
// and the room hooks an embedder defined (`defineRoom` subclasses override `roomHooks`).
import { DurableObject } from "cloudflare:workers";
import { type Log, logger } from "../server/logger.ts";
import { parseSettings, type RoomcastVars, type Settings } from "../server/settings.ts";
import { EventSink } from "./hooks/event-sink.ts";
import type { RoomHooks } from "./hooks/hooks.ts";

export abstract class RoomObject<E extends RoomcastVars> extends DurableObject<E> {
  protected readonly settings: Settings;
  protected readonly log: Log;
  protected readonly events: EventSink;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    this.settings = parseSettings(env);
    this.log = logger(this.settings.logLevel);
    this.events = new EventSink(env, this.log);
  }

  /** The room's hooks: none here; `defineRoom(hooks)` returns subclasses that answer them. */
  protected roomHooks(): RoomHooks<E> | null {
    return null;
  }

  /** @internal Where this object's events go (a test swaps in a recording queue). */
  eventSink(): EventSink {
    return this.events;
  }
}
