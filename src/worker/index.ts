// Worker entry of this project: roomcast's own createRoomcast() with the default JWT auth, and Room.

import { createRoomcast } from "./create-roomcast.ts";

export { Room } from "../room/room.ts";
export default createRoomcast();
