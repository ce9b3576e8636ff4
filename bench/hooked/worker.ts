// The project's Worker with a trivial onPublish (returns nothing: store as sent), for bench/hook-cost.ts.
import { defineRoom } from "../../src/room/define-room.ts";

export { default } from "../../src/worker/index.ts";

export const { Room, Sequencer, RoomShard } = defineRoom({ onPublish: () => undefined });
