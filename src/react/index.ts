// `roomcast/react`: the useRoom hook (React 18 or newer, an optional peer dependency).

export type * from "../client/types.ts";
export { RoomcastError } from "../client/types.ts";
export type { RoomSnapshot } from "./room-store.ts";
export { type UseRoomOptions, type UseRoomResult, useRoom } from "./use-room.ts";
