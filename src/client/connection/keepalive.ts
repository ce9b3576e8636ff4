// Keepalive: text `ping` right after `synced` and every idleTimeoutSeconds/2; no `pong` in time = dead.
import { PING } from "../../shared/protocol.ts";

export interface KeepaliveOptions {
  /** Time between pings: half the room's idle timeout, so the room never sees us idle. */
  intervalMs: number;
  /** No `pong` this long after a ping: the connection is dead (a half-open TCP connection, a sleeping laptop). */
  pongTimeoutMs: number;
  send: (text: string) => void;
  onDead: () => void;
}

/** One connection's keepalive; `stop()` when the connection ends. */
export class Keepalive {
  #interval: ReturnType<typeof setInterval> | null = null;
  #deadline: ReturnType<typeof setTimeout> | null = null;
  readonly #options: KeepaliveOptions;

  constructor(options: KeepaliveOptions) {
    this.#options = options;
  }

  /** Sends the first ping now, then one every `intervalMs`. */
  start(): void {
    this.stop();
    this.#ping();
    this.#interval = setInterval(() => this.#ping(), this.#options.intervalMs);
  }

  /** A `pong` arrived: the connection is alive. */
  pong(): void {
    if (this.#deadline !== null) clearTimeout(this.#deadline);
    this.#deadline = null;
  }

  stop(): void {
    if (this.#interval !== null) clearInterval(this.#interval);
    if (this.#deadline !== null) clearTimeout(this.#deadline);
    this.#interval = null;
    this.#deadline = null;
  }

  #ping(): void {
    try {
      this.#options.send(PING);
    } catch {
      // The socket is already closing; its close event takes over.
      return;
    }
    // An unanswered earlier ping keeps its (earlier) deadline.
    if (this.#deadline !== null) return;
    this.#deadline = setTimeout(() => {
      this.stop();
      this.#options.onDead();
    }, this.#options.pongTimeoutMs);
  }
}
