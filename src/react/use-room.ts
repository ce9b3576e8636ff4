// useRoom(): one roomcast connection bound to a component's lifetime, as React state.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { connect } from "../client/index.ts";
import { type ConnectOptions, type RoomClient, RoomcastError, type TokenSource } from "../client/types.ts";
import type { DirectFrame, MessageFrame } from "../shared/protocol.ts";
import { type RoomSnapshot, RoomStore } from "./room-store.ts";

export interface UseRoomOptions<TMessage = unknown, TDirect = unknown>
  extends Omit<ConnectOptions, "url" | "room" | "token"> {
  /** The worker's base URL, e.g. "https://chat.example.com" (or where you mounted roomcast). */
  url: string;
  room: string;
  /** A token or a function returning one; the latest value is used on every (re)connect. */
  token: TokenSource;
  /** `false` disconnects and stays idle (e.g. until a token is known). Default `true`. */
  enabled?: boolean;
  /** How many recent messages `messages` keeps (default 100; `0` keeps none, use `onMessage`). */
  maxMessages?: number;
  /** Called for every message, including ones beyond `maxMessages`. The latest function is used. */
  onMessage?: (m: MessageFrame<TMessage>) => void;
  /** Called for every direct message. The latest function is used. */
  onDirect?: (d: DirectFrame<TDirect>) => void;
}

export interface UseRoomResult<TMessage = unknown, TDirect = unknown, TState = unknown>
  extends RoomSnapshot<TMessage, TState> {
  /** Publishes (queued while reconnecting); rejects with RoomcastError `closed` while disabled. */
  publish: (data: TMessage, options?: { id?: string }) => Promise<number>;
  /** Sends a direct message; throws RoomcastError `closed` when not connected. */
  direct: (to: string, data: TDirect) => string;
  /** Sets this user's presence state (see `members[i].state`); throws RoomcastError `closed` while disabled. */
  setState: (state: TState | null) => void;
  /** Sends a signal (cursor, typing…); throws RoomcastError `closed` when not connected. */
  signal: (data: unknown, options?: { to?: string }) => void;
  /** The underlying client while enabled (for `sendBinary`, `on(...)`, resume point), else null. */
  client: RoomClient<TMessage, TDirect, TState> | null;
}

/**
 * Connects to a room while the component is mounted and `enabled`, and re-renders on connection
 * state, members and messages. A new `url` or `room` reconnects; other options are read when a
 * connection starts. Safe under StrictMode (the first mount's connection is closed) and SSR (renders
 * `status: "idle"`, connects only in the browser).
 *
 * ```tsx
 * const { status, members, messages, publish } = useRoom<{ text: string }>({
 *   url: "https://chat.example.com", room: "lobby", token: () => fetch("/api/token").then((r) => r.text()),
 * });
 * ```
 */
export function useRoom<TMessage = unknown, TDirect = unknown, TState = unknown>(
  options: UseRoomOptions<TMessage, TDirect>,
): UseRoomResult<TMessage, TDirect, TState> {
  const { url, room, enabled = true, maxMessages = 100 } = options;
  const [store] = useState(() => new RoomStore<TMessage, TState>(maxMessages));
  store.maxMessages = maxMessages;
  // The latest options, read when a connection starts and by the callbacks: changing a callback or a
  // token function between renders never reconnects.
  const latest = useRef(options);
  latest.current = options;

  useEffect(() => {
    if (!enabled) return;
    const {
      token: _t,
      enabled: _e,
      maxMessages: _m,
      onMessage: _om,
      onDirect: _od,
      ...rest
    } = latest.current;
    const client = connect<TMessage, TDirect, TState>({
      ...rest,
      url,
      room,
      token: () => {
        const t = latest.current.token;
        return typeof t === "function" ? t() : t;
      },
    });
    store.attach(client, (m) => latest.current.onMessage?.(m));
    const offDirect = client.on("direct", (d) => latest.current.onDirect?.(d));
    return () => {
      offDirect();
      store.detach();
      client.close(1000, "unmounted");
    };
  }, [enabled, url, room, store]);

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);

  const publish = useCallback(
    (data: TMessage, o?: { id?: string }) =>
      store.client
        ? store.client.publish(data, o)
        : Promise.reject(new RoomcastError("closed", "not connected: useRoom is disabled or unmounted")),
    [store],
  );
  const live = useCallback(() => {
    const client = store.client as RoomClient<TMessage, TDirect, TState> | null;
    if (!client) throw new RoomcastError("closed", "not connected: useRoom is disabled or unmounted");
    return client;
  }, [store]);
  const direct = useCallback((to: string, data: TDirect) => live().direct(to, data), [live]);
  const setState = useCallback((state: TState | null) => live().setState(state), [live]);
  const signal = useCallback((data: unknown, o?: { to?: string }) => live().signal(data, o), [live]);
  return {
    ...snapshot,
    publish,
    direct,
    setState,
    signal,
    client: store.client as RoomClient<TMessage, TDirect, TState> | null,
  };
}
