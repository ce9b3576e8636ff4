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
    await ctx.send(user.id, { greeting: `hello ${user.id}` });
    return undefined;
  },
  async onLeave(user, ctx) {
    await ctx.publish({ left: user.id });
  },
};

const hooked = (name: string | undefined) => (name?.includes("hook-") ? TEST_HOOKS : null);

export class Room extends PlainRoom {
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
export class Sequencer extends PlainSequencer {
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
export class RoomShard extends PlainRoomShard {
  protected override roomHooks() {
    return hooked(this.ctx.id.name);
  }
}
