// The roomcast client library: `connect()` to a room, with reconnects, resume and a publish queue.
import { Client } from "./client.ts";
import type { ConnectOptions, RoomClient } from "./types.ts";

/**
 * Connects to a room and keeps it connected until `close()` or a close that cannot get better.
 * Throws RoomcastError at once on misuse: `bad_room` for an invalid room name, `bad_options` for an
 * invalid `url`, `since` without `epoch`, a bad `rewind` or backoff, or no WebSocket.
 *
 * ```ts
 * const room = connect({ url: "https://rooms.example.com", room: "lobby", token: () => getToken() });
 * room.on("message", (m) => console.log(m.from.name, m.data));
 * await room.ready();
 * const seq = await room.publish({ text: "hi" });
 * ```
 */
export function connect(options: ConnectOptions): RoomClient {
  return new Client(options);
}

export type * from "./types.ts";
export { RoomcastError } from "./types.ts";
