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
 *
 * Type parameters (all default to `unknown`): `TMessage` for `publish` and `message` events, `TDirect`
 * for `direct`, `TState` for presence state:
 *
 * ```ts
 * type Chat = { text: string };
 * const chat = connect<Chat>({ url, room: "lobby", token });
 * chat.on("message", (m) => m.data.text); // string
 * chat.publish({ wrong: 1 });             // type error
 * ```
 */
export function connect<TMessage = unknown, TDirect = unknown, TState = unknown>(
  options: ConnectOptions,
): RoomClient<TMessage, TDirect, TState> {
  // The type parameters describe the app's data; at run time the client relays whatever JSON it gets.
  return new Client(options) as RoomClient<unknown, unknown, unknown> as RoomClient<
    TMessage,
    TDirect,
    TState
  >;
}

/** The wire contract's frame and body types (`MessageFrame`, `WelcomeFrame`, `Member`, `RoomInfo`, …). */
export type * from "../shared/protocol.ts";
export type * from "./types.ts";
export { RoomcastError } from "./types.ts";
