// Worker entry of this project: roomcast's own createRoomcast() with the default JWT auth, Room, and the
// sharded rooms' Sequencer and RoomShard.

import { createRoomcast } from "./create-roomcast.ts";

export { Room } from "../room/room.ts";
export { Sequencer } from "../room/sharding/sequencer.ts";
export { RoomShard } from "../room/sharding/shard.ts";
export default createRoomcast();
