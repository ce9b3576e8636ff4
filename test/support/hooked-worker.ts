// The Worker the runtime tests run: the project's own, whose room classes carry test hooks that act
// only in rooms named with "hook-" (every other room runs as it ships, with no hook at all).
import type { RoomHooks } from "../../src/room/hooks/hooks.ts";
import { Room as PlainRoom } from "../../src/room/room.ts";
import { Sequencer as PlainSequencer } from "../../src/room/sharding/sequencer.ts";
import { RoomShard as PlainRoomShard } from "../../src/room/sharding/shard.ts";

export { RoomDirectory } from "../../src/room/directory/room-directory.ts";
export { default } from "../../src/worker/index.ts";

/** The hook's own work taking time (not a test waiting for an event). */
const wait = (ms: number) => scheduler.wait(ms);

/** What the hook tests ask of a room (test/room/kinds/hooks.test.ts). */
export const TEST_HOOKS: RoomHooks = {
  async onPublish(message, ctx) {
    const data = message.data as { text?: string; delay?: number } | null;
    // Every run is reported to the publisher, so a test can count runs per message.
    if (message.id !== undefined) await ctx.send(message.from.id, { hookRan: message.id });
    if (typeof data?.delay === "number") await wait(data.delay);
    const text = typeof data?.text === "string" ? data.text : null;
    if (text === "reject me") return { reject: "no thanks" };
    if (text === "throw") throw new Error("hook bug");
    if (text === "slow") await wait(5_000);
    if (text?.includes("darn")) return { data: { ...data, text: text.replaceAll("darn", "****") } };
    return undefined;
  },
  async onJoin(user, ctx) {
    if (user.id === "mallory") return { reject: "mallory is not welcome here" };
    if (user.id === "broken") throw new Error("join hook bug");
    // Users named noted-… leave a trace in the log, so a test can tell which joins reached the hook.
    if (user.id.startsWith("noted-")) await ctx.publish({ joinSeen: user.id });
    await ctx.send(user.id, { greeting: `hello ${user.id}` });
    return undefined;
  },
  async onLeave(user, ctx) {
    await ctx.publish({ left: user.id });
  },
};

const hooked = (name: string | undefined) => (name?.includes("hook-") ? TEST_HOOKS : null);

/**
 * Metrics off unless a test records them (`roomMetrics().record()`): the test runtime binds
 * wrangler.toml's METRICS dataset, and a room's pending metrics write (a timer of up to 10 s) would
 * hold every `evictDurableObject` that long.
 */
function quiet(o: { roomMetrics(): { target: unknown } }): void {
  o.roomMetrics().target = null;
}

export class Room extends PlainRoom {
  constructor(ctx: DurableObjectState, env: ConstructorParameters<typeof PlainRoom>[1]) {
    super(ctx, env);
    quiet(this);
  }
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
export class Sequencer extends PlainSequencer {
  constructor(ctx: DurableObjectState, env: ConstructorParameters<typeof PlainSequencer>[1]) {
    super(ctx, env);
    quiet(this);
  }
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
export class RoomShard extends PlainRoomShard {
  constructor(ctx: DurableObjectState, env: ConstructorParameters<typeof PlainRoomShard>[1]) {
    super(ctx, env);
    quiet(this);
  }
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
