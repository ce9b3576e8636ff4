// defineRoom(hooks): the room classes with an embedder's hooks (docs/hooks.md). Export the three
// classes from the Worker under the names wrangler.toml gives them.
import type { RoomcastVars } from "../server/settings.ts";
import type { RoomHooks } from "./hooks/hooks.ts";
import { Room } from "./room.ts";
import { Sequencer } from "./sharding/sequencer.ts";
import { RoomShard } from "./sharding/shard.ts";

/**
 * The `Room` class (and a sharded room's `Sequencer` and `RoomShard`) running your hooks: `onPublish`
 * before a message is stored, `onJoin` before a connection is accepted, `onLeave` after a user's last
 * socket closed. In a sharded room the sequencer runs `onPublish` and the shards run `onJoin`/`onLeave`.
 *
 * ```ts
 * const rooms = defineRoom<Env>({
 *   onPublish: ({ data }) => (isChat(data) ? undefined : { reject: "send {text} of at most 500 characters" }),
 *   onJoin: (user, ctx) => ctx.send(user.id, { text: `welcome to ${ctx.room}` }),
 * });
 * // Class declarations, so that `wrangler types` can name them in Env.
 * export class Room extends rooms.Room {}
 * ```
 */
export function defineRoom<E extends RoomcastVars = RoomcastVars>(
  hooks: RoomHooks<E>,
): { Room: typeof Room; Sequencer: typeof Sequencer; RoomShard: typeof RoomShard } {
  const own = hooks as unknown as RoomHooks<RoomcastVars>;
  class HookedRoom extends Room {
    protected override roomHooks(): RoomHooks<RoomcastVars> {
      return own;
    }
  }
  class HookedSequencer extends Sequencer {
    protected override roomHooks() {
      return own as RoomHooks;
    }
  }
  class HookedRoomShard extends RoomShard {
    protected override roomHooks() {
      return own as RoomHooks;
    }
  }
  return { Room: HookedRoom, Sequencer: HookedSequencer, RoomShard: HookedRoomShard };
}
