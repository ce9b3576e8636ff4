// useRoom(): one roomcast connection bound to a component's lifetime, as React state.
import { useCallback, useEffect, useRef, useState, useSyncExternalStore } from "react";
import { connect } from "../client/index.ts";
import { newId } from "../client/stream/ids.ts";
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
  /**
   * Add this user's own publishes (made with this hook's `publish`) to `messages`, in seq order, once
   * the room acknowledged them; `onMessage` gets them too. Default `true`, as Ably echoes by default.
   * Their `ts` is the client's clock at the ack (history pages carry the server's); their `data` is
   * what the room stored (changed, when its `onPublish` hook changed it).
   */
  echo?: boolean;
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
  const [restarts, setRestarts] = useState(0);
  store.maxMessages = maxMessages;
  // The latest options, read when a connection starts and by the callbacks: changing a callback or a
  // token function between renders never reconnects.
  const latest = useRef(options);
  latest.current = options;

  // biome-ignore lint/correctness/useExhaustiveDependencies: `restarts` connects again after a refused token was replaced.
  useEffect(() => {
    if (!enabled) return;
    const {
      token: _t,
      enabled: _e,
      maxMessages: _m,
      onMessage: _om,
      onDirect: _od,
      echo: _echo,
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
  }, [enabled, url, room, store, restarts]);

  const snapshot = useSyncExternalStore(store.subscribe, store.getSnapshot, store.getServerSnapshot);

  // A refused fixed token closes the connection for good; a different token string starts a new one.
  const tokenString = typeof options.token === "string" ? options.token : null;
  const refused = snapshot.status === "closed" && snapshot.error?.code === "unauthorized";
  const [refusedToken, setRefusedToken] = useState<string | null>(null);
  if (refused && tokenString !== null && refusedToken === null) setRefusedToken(tokenString);
  useEffect(() => {
    if (refusedToken !== null && tokenString !== null && tokenString !== refusedToken) {
      setRefusedToken(null);
      setRestarts((n) => n + 1);
    }
  }, [tokenString, refusedToken]);

  const publish = useCallback(
    async (data: TMessage, o?: { id?: string }) => {
      const client = store.client;
      if (!client) throw new RoomcastError("closed", "not connected: useRoom is disabled or unmounted");
      // The id is chosen here so the echoed message carries the same id as the stored one.
      const id = o?.id ?? newId();
      // The room's onPublish hook may have changed the data: the echo shows what the others got.
      let changed: unknown;
      const off = client.on("ack", (ack) => {
        if (ack.id === id) changed = ack.data;
      });
      let seq: number;
      try {
        seq = await client.publish(data, { id });
      } finally {
        off();
      }
      if (latest.current.echo !== false) {
        const shown = changed === undefined ? data : (changed as TMessage);
        const m = store.echo(client, shown, seq, id);
        if (m) latest.current.onMessage?.(m);
      }
      return seq;
    },
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
