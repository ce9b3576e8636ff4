// An external store over one room connection at a time, for React's useSyncExternalStore.
// Snapshots are immutable and replaced on every change; events of a detached client are ignored, so a
// StrictMode double mount (connect, close, connect again) never mixes two connections' data.
import type { ConnectionState, RoomClient, RoomcastError } from "../client/types.ts";
import type { Member, MessageFrame, UserRef } from "../shared/protocol.ts";

/** What `useRoom` renders from. */
export interface RoomSnapshot<TMessage = unknown, TState = unknown> {
  /** `idle` while disabled (or during SSR), else the client's connection status. */
  status: "idle" | ConnectionState["status"];
  /** The full connection state (attempt, delay, close code…); null while idle. */
  state: ConnectionState | null;
  /** This connection's user, once welcomed. */
  user: UserRef | null;
  members: Member<TState>[];
  /** The last `maxMessages` messages in seq order, oldest first (with `echo`, this user's acked publishes too). */
  messages: MessageFrame<TMessage>[];
  /** The last error event or the error that closed the connection, cleared on the next `open`. */
  error: RoomcastError | null;
}

const IDLE: RoomSnapshot<never, never> = Object.freeze({
  status: "idle",
  state: null,
  user: null,
  members: [],
  messages: [],
  error: null,
}) as RoomSnapshot<never, never>;

export class RoomStore<TMessage = unknown, TState = unknown> {
  #snapshot: RoomSnapshot<TMessage, TState> = IDLE;
  #client: RoomClient<TMessage, unknown, TState> | null = null;
  #off: (() => void)[] = [];
  readonly #listeners = new Set<() => void>();
  /** Messages kept in the snapshot; read at every message so it can change between renders. */
  maxMessages: number;

  constructor(maxMessages: number) {
    this.maxMessages = maxMessages;
  }

  get client(): RoomClient<TMessage, unknown, TState> | null {
    return this.#client;
  }

  subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  getSnapshot = (): RoomSnapshot<TMessage, TState> => this.#snapshot;

  /** What the server renders: nothing connects during SSR. */
  getServerSnapshot = (): RoomSnapshot<TMessage, TState> => IDLE;

  /** Follows `client` from now on (replacing any previous one, whose events are then ignored). */
  attach(
    client: RoomClient<TMessage, unknown, TState>,
    onMessage?: (m: MessageFrame<TMessage>) => void,
  ): void {
    this.detach();
    this.#client = client;
    this.#set({ ...IDLE, status: client.state.status, state: client.state });
    this.#off = [
      client.on("state", (state) => {
        const error =
          state.status === "open"
            ? null
            : state.status === "closed"
              ? (state.error ?? this.#snapshot.error)
              : this.#snapshot.error;
        this.#set({ status: state.status, state, error });
      }),
      client.on("welcome", (w) => this.#set({ user: w.user })),
      client.on("members", (members) => this.#set({ members })),
      client.on("error", (error) => this.#set({ error })),
      client.on("message", (m) => {
        onMessage?.(m);
        this.#keep(m);
      }),
    ];
  }

  /**
   * This user's own publish, acknowledged with `seq` on `client`: added to `messages` in seq order (the
   * client library never delivers its own publishes as `message` events). Ignored once `client` is
   * detached, and when the user is not known yet.
   */
  echo(
    client: RoomClient<TMessage, unknown, TState>,
    data: TMessage,
    seq: number,
    id?: string,
  ): MessageFrame<TMessage> | null {
    const from = client.user;
    if (client !== this.#client || from === null) return null;
    const m: MessageFrame<TMessage> = {
      type: "message",
      seq,
      from,
      data,
      ts: Date.now(),
      ...(id === undefined ? {} : { id }),
    };
    this.#keep(m);
    return m;
  }

  /** Inserts `m` by seq (live messages arrive in order, so usually at the end) and keeps the newest `maxMessages`. */
  #keep(m: MessageFrame<TMessage>): void {
    const max = this.maxMessages;
    if (max <= 0) return;
    const prev = this.#snapshot.messages;
    let at = prev.length;
    while (at > 0 && (prev[at - 1]?.seq ?? 0) > m.seq) at--;
    if (prev[at - 1]?.seq === m.seq) return;
    const all = [...prev.slice(0, at), m, ...prev.slice(at)];
    const messages = all.length > max ? all.slice(all.length - max) : all;
    if (!messages.includes(m)) return;
    this.#set({ messages });
  }

  /** Stops following the current client and goes back to idle. Does not close the client. */
  detach(): void {
    for (const off of this.#off) off();
    this.#off = [];
    this.#client = null;
    if (this.#snapshot !== IDLE) {
      this.#snapshot = IDLE;
      this.#emit();
    }
  }

  #set(patch: Partial<RoomSnapshot<TMessage, TState>>): void {
    this.#snapshot = { ...this.#snapshot, ...patch };
    this.#emit();
  }

  #emit(): void {
    for (const l of [...this.#listeners]) l();
  }
}
