// What every roomcast Durable Object starts with: its parsed settings and its logger.
import { DurableObject } from "cloudflare:workers";
import { type Log, logger } from "../server/logger.ts";
import { parseSettings, type RoomcastVars, type Settings } from "../server/settings.ts";

export abstract class RoomObject<E extends RoomcastVars> extends DurableObject<E> {
  protected readonly settings: Settings;
  protected readonly log: Log;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    this.settings = parseSettings(env);
    this.log = logger(this.settings.logLevel);
  }
}
