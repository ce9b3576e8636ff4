// Builds a client on fake sockets and fake timers for unit tests, and records its events.
import { afterEach, beforeEach, vi } from "vitest";
import { connect } from "../../../src/client/index.ts";
import type { ClientEvents, ConnectOptions, RoomClient } from "../../../src/client/types.ts";
import { socketFactory } from "./fake-socket.ts";

export interface Harness {
  client: RoomClient;
  sockets: ReturnType<typeof socketFactory>;
  /** Every event in order, as [name, payload]. */
  events: [keyof ClientEvents, unknown][];
  of<K extends keyof ClientEvents>(name: K): ClientEvents[K][];
}

/** connect() with a recording fake socket factory; `random` fixed at 0.5 unless given. */
export function harness(options: Partial<ConnectOptions> = {}): Harness {
  const sockets = socketFactory();
  const client = connect({
    url: "http://rooms.test",
    room: "lobby",
    token: "tok",
    createWebSocket: sockets.create,
    random: () => 0.5,
    fetch: async () => new Response("{}", { status: 200 }),
    ...options,
  });
  const events: [keyof ClientEvents, unknown][] = [];
  const names: (keyof ClientEvents)[] = [
    "state",
    "welcome",
    "synced",
    "message",
    "direct",
    "presence",
    "signal",
    "refreshed",
    "members",
    "binary",
    "error",
  ];
  for (const name of names) client.on(name, (payload) => events.push([name, payload]));
  return {
    client,
    sockets,
    events,
    of: <K extends keyof ClientEvents>(name: K) =>
      events.filter(([n]) => n === name).map(([, p]) => p as ClientEvents[K]),
  };
}

/** Runs due timers and pending promise callbacks. */
export async function flush(ms = 0): Promise<void> {
  await vi.advanceTimersByTimeAsync(ms);
}

/** Fake timers for every test of the calling file (call once at its top level); real ones after each. */
export function useFakeTimersPerTest(): void {
  beforeEach(() => {
    vi.useFakeTimers();
  });
  afterEach(() => {
    vi.useRealTimers();
  });
}
