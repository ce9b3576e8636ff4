// Awaits a client event matching a condition, or rejects after a timeout with a clear message.
import type { ClientEvents, RoomClient } from "../../../src/client/types.ts";

/** Resolves with the first `event` payload for which `match` holds (checked on every event). */
export function waitFor<K extends keyof ClientEvents>(
  client: RoomClient,
  event: K,
  match: (payload: ClientEvents[K]) => boolean,
  what: string,
  ms = 5_000,
): Promise<ClientEvents[K]> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      off();
      reject(new Error(`timed out after ${ms} ms waiting for ${what}`));
    }, ms);
    const off = client.on(event, (payload) => {
      if (!match(payload)) return;
      clearTimeout(timer);
      off();
      resolve(payload);
    });
  });
}
