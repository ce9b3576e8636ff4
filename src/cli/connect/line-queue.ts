// Input lines waiting for the session: held until the first sync, and while too many publishes await acks.

/**
 * A FIFO of input lines fed to `handle` only while the session can take them: after `open()` (the first
 * `synced`) and while fewer than `maxInFlight` publishes are unacknowledged. It keeps a big pipe
 * (`cat file | roomcast connect …`) under the client's queue limit, and asks for the input to pause
 * while it holds `maxInFlight` lines or more.
 */
export class LineQueue {
  readonly #lines: string[] = [];
  #head = 0;
  #ready = false;
  #pumping = false;
  readonly #handle: (line: string) => void;
  readonly #inFlight: () => number;
  readonly #maxInFlight: number;

  constructor(opts: { handle: (line: string) => void; inFlight: () => number; maxInFlight: number }) {
    this.#handle = opts.handle;
    this.#inFlight = opts.inFlight;
    this.#maxInFlight = opts.maxInFlight;
  }

  /** Lines held. */
  get size(): number {
    return this.#lines.length - this.#head;
  }

  /** True while the input should pause (enough lines held already). */
  get full(): boolean {
    return this.size >= this.#maxInFlight;
  }

  push(line: string): void {
    this.#lines.push(line);
    this.pump();
  }

  /** The session is synced: from now on lines flow. */
  open(): void {
    this.#ready = true;
    this.pump();
  }

  /** Feeds held lines while there is room; call again whenever a publish settles. */
  pump(): void {
    // `handle` may settle a publish synchronously and call pump() again: one loop at a time.
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (this.#ready && this.size > 0 && this.#inFlight() < this.#maxInFlight) {
        const line = this.#lines[this.#head] ?? "";
        this.#head++;
        if (this.#head === this.#lines.length) {
          this.#lines.length = 0;
          this.#head = 0;
        }
        this.#handle(line);
      }
    } finally {
      this.#pumping = false;
    }
  }
}
