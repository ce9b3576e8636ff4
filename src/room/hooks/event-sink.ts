// Room events out to the optional ROOM_EVENTS queue (docs/events.md): batched per turn with sendBatch,
// retried, and never in the way of an ack, a broadcast or a close.
import { EVENTS_BINDING, type RoomEvent } from "../../server/events.ts";
import type { Log } from "../../server/logger.ts";
import { errorMessage } from "../../shared/errors.ts";

const ATTEMPTS = 3;

/** The part of a Queue producer binding the sink uses. */
export interface EventQueue {
  sendBatch(messages: Iterable<{ body: RoomEvent }>): Promise<unknown>;
}

export class EventSink {
  /** @internal The queue events go to (a test may swap in a recording one); null: events are off. */
  target: EventQueue | null;
  /** @internal What `record()` collected, for tests. */
  recorded: RoomEvent[] | null = null;
  /** Batches that could not be sent after every retry (logged each time). */
  failed = 0;
  readonly #log: Log;
  #pending: RoomEvent[] = [];

  constructor(env: object, log: Log) {
    const q = (env as Record<string, unknown>)[EVENTS_BINDING] as EventQueue | undefined;
    this.target = typeof q?.sendBatch === "function" ? q : null;
    this.#log = log;
  }

  /**
   * @internal Test seam: events go to an in-memory list from now on (returned), the first `failing`
   * sendBatch calls throwing, as a queue that is down for a while would.
   */
  record(failing = 0): RoomEvent[] {
    const recorded: RoomEvent[] = [];
    this.recorded = recorded;
    let failures = failing;
    this.target = {
      sendBatch: async (messages) => {
        if (failures-- > 0) throw new Error("injected queue failure");
        for (const m of messages) recorded.push(m.body);
      },
    };
    return recorded;
  }

  get enabled(): boolean {
    return this.target !== null;
  }

  /** Queues one event; everything added in this turn goes out in one `sendBatch` right after it. */
  add(event: RoomEvent): void {
    if (this.target === null) return;
    if (this.#pending.push(event) > 1) return;
    queueMicrotask(() => {
      const events = this.#pending;
      this.#pending = [];
      void this.send(events);
    });
  }

  /** Sends events now (a durable commit's messages), retrying; never rejects. */
  async send(events: RoomEvent[]): Promise<void> {
    const target = this.target;
    if (target === null || events.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await target.sendBatch(events.map((body) => ({ body })));
        return;
      } catch (err) {
        if (attempt >= ATTEMPTS) {
          this.failed++;
          this.#log("warn", {
            event: "events_failed",
            room: events[0]?.room,
            events: events.length,
            failedBatches: this.failed,
            error: errorMessage(err),
          });
          return;
        }
        await new Promise((r) => setTimeout(r, 100 * 4 ** attempt * (0.5 + Math.random())));
      }
    }
  }
}
