// Publishes waiting to be sent or acked: bounded, paced, resent with the same id after a reconnect.
import { utf8Length } from "../../shared/utf8.ts";
import { RoomcastError } from "../types.ts";
import { publishText, sizeError } from "./frame-size.ts";
import type { Pacer } from "./pacer.ts";

interface Entry {
  id: string;
  text: string;
  resolve: (seq: number) => void;
  reject: (error: RoomcastError) => void;
  /** Ack timer while the frame is on the current socket; null while waiting to be (re)sent. */
  timer: ReturnType<typeof setTimeout> | null;
}

/** Where frames go while a connection is synced. */
export interface Transport {
  send(text: string): void;
  pacer: Pacer;
  maxMessageBytes: number;
}

export interface PublishQueueOptions {
  limit: number;
  ackTimeoutMs: number;
}

/**
 * Every publish is an entry from `enqueue` until it is acked, refused, timed out or the client closes.
 * Entries leave in order, paced; after a reconnect every unacked entry is sent again with the same id,
 * so the server's idempotency keys make delivery exactly-once.
 */
export class PublishQueue {
  readonly #entries = new Map<string, Entry>();
  #transport: Transport | null = null;
  #pumpTimer: ReturnType<typeof setTimeout> | null = null;
  #maxMessageBytes: number | null = null;
  readonly #options: PublishQueueOptions;

  constructor(options: PublishQueueOptions) {
    this.#options = options;
  }

  /** Publishes waiting or in flight. */
  get size(): number {
    return this.#entries.size;
  }

  /** Adds a publish. Rejects at once with `queue_full`, `too_big` or a duplicate `id`. */
  enqueue(data: unknown, id: string): Promise<number> {
    const text = publishText(data, id);
    if (this.#entries.has(id)) {
      return Promise.reject(new RoomcastError("bad_message", `publish id ${id} is already pending`, { id }));
    }
    if (this.#entries.size >= this.#options.limit) {
      return Promise.reject(
        new RoomcastError("queue_full", `${this.#entries.size} publishes already pending (queueLimit)`, {
          id,
        }),
      );
    }
    const tooBig = this.#tooBig(text, id);
    if (tooBig) return Promise.reject(tooBig);
    return new Promise<number>((resolve, reject) => {
      this.#entries.set(id, { id, text, resolve, reject, timer: null });
      this.#pump();
    });
  }

  /** A synced connection: (re)send everything pending, in order. */
  attach(transport: Transport): void {
    this.detach();
    this.#transport = transport;
    this.#maxMessageBytes = transport.maxMessageBytes;
    this.#pump();
  }

  /** The connection is gone: stop ack timers (they restart when the frame is sent again). */
  detach(): void {
    this.#transport = null;
    if (this.#pumpTimer !== null) clearTimeout(this.#pumpTimer);
    this.#pumpTimer = null;
    for (const entry of this.#entries.values()) {
      if (entry.timer !== null) clearTimeout(entry.timer);
      entry.timer = null;
    }
  }

  /** Resolves the publish `id` with its seq; false if it was not pending. */
  ack(id: string, seq: number): boolean {
    const entry = this.#take(id);
    entry?.resolve(seq);
    return entry !== null;
  }

  /** Rejects the publish `id`; false if it was not pending. */
  fail(id: string, error: RoomcastError): boolean {
    const entry = this.#take(id);
    entry?.reject(error);
    return entry !== null;
  }

  /**
   * The server was too busy to take publish `id` (`overloaded`): send it again, with the same id, after
   * `delayMs` (or on the next connection, whichever comes first). False if it was not pending.
   */
  retryLater(id: string, delayMs: number): boolean {
    const entry = this.#entries.get(id);
    if (!entry) return false;
    if (entry.timer !== null) clearTimeout(entry.timer);
    // A timer marks the entry as "in flight", so pump() leaves it alone until the delay is over.
    entry.timer = setTimeout(() => {
      entry.timer = null;
      this.#pump();
    }, delayMs);
    return true;
  }

  /** Rejects everything (the client closed). */
  rejectAll(error: (id: string) => RoomcastError): void {
    this.detach();
    const entries = [...this.#entries.values()];
    this.#entries.clear();
    for (const entry of entries) entry.reject(error(entry.id));
  }

  #take(id: string): Entry | null {
    const entry = this.#entries.get(id);
    if (!entry) return null;
    if (entry.timer !== null) clearTimeout(entry.timer);
    this.#entries.delete(id);
    return entry;
  }

  #tooBig(text: string, id: string): RoomcastError | null {
    if (this.#maxMessageBytes === null) return null;
    return sizeError("publish frame", utf8Length(text), this.#maxMessageBytes, id);
  }

  /** Sends waiting entries in order while the pacer allows; re-arms itself when it runs dry. */
  #pump(): void {
    const t = this.#transport;
    if (!t || this.#pumpTimer !== null) return;
    for (const entry of this.#entries.values()) {
      if (entry.timer !== null) continue;
      const tooBig = this.#tooBig(entry.text, entry.id);
      if (tooBig) {
        this.fail(entry.id, tooBig);
        continue;
      }
      const now = Date.now();
      if (!t.pacer.take(now)) {
        this.#pumpTimer = setTimeout(() => {
          this.#pumpTimer = null;
          this.#pump();
        }, t.pacer.waitMs(now));
        return;
      }
      try {
        t.send(entry.text);
      } catch {
        // The socket is closing; its close event detaches us and the entry is resent after reconnect.
        return;
      }
      // The ack timeout counts from when the frame actually left, not from publish().
      entry.timer = setTimeout(() => {
        this.fail(
          entry.id,
          new RoomcastError("timeout", `no ack within ${this.#options.ackTimeoutMs} ms`, { id: entry.id }),
        );
      }, this.#options.ackTimeoutMs);
    }
  }
}
