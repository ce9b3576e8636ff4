// Reconnect scheduling: jittered backoff over consecutive failures, cut short when the browser goes online.
import { type BackoffSettings, backoffDelay } from "./backoff.ts";

/** When the next attempt runs, or that there will be none. */
export type RetryPlan = { attempt: number; delayMs: number } | { giveUp: true; failures: number };

export class Reconnector {
  /** Consecutive attempts that did not reach `synced`. */
  failures = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopOnline: (() => void) | null = null;
  readonly #settings: BackoffSettings;
  readonly #random: () => number;
  readonly #run: () => void;

  /** `run` starts an attempt; it is called by the timer or by the browser's `online` event. */
  constructor(settings: BackoffSettings, random: () => number, run: () => void) {
    this.#settings = settings;
    this.#random = random;
    this.#run = run;
    this.#listenOnline();
  }

  /** The attempt reached `synced`: the next failure starts from the smallest delay again. */
  succeeded(): void {
    this.failures = 0;
  }

  /**
   * Schedules the next attempt after a jittered delay (at least `minDelayMs`, the server's Retry-After),
   * unless `maxAttempts` failures in a row.
   */
  schedule(minDelayMs = 0): RetryPlan {
    this.#cancel();
    if (this.failures >= this.#settings.maxAttempts) return { giveUp: true, failures: this.failures };
    const delayMs = Math.max(minDelayMs, backoffDelay(this.failures, this.#settings, this.#random));
    this.failures++;
    this.#timer = setTimeout(() => this.#fire(), delayMs);
    return { attempt: this.failures, delayMs };
  }

  /** Stops the pending attempt and the `online` listener for good. */
  dispose(): void {
    this.#cancel();
    this.#stopOnline?.();
    this.#stopOnline = null;
  }

  #cancel(): void {
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
  }

  #fire(): void {
    this.#timer = null;
    this.#run();
  }

  /** In browsers, `online` means the network is back: skip the rest of the delay. */
  #listenOnline(): void {
    const target = onlineTarget();
    if (!target) return;
    const onOnline = (): void => {
      if (this.#timer === null) return;
      this.#cancel();
      this.#fire();
    };
    target.addEventListener("online", onOnline);
    this.#stopOnline = () => target.removeEventListener("online", onOnline);
  }
}

interface OnlineTarget {
  addEventListener(type: "online", listener: () => void): void;
  removeEventListener(type: "online", listener: () => void): void;
}

/** The browser window (or worker scope) when the global has addEventListener; null in Node. */
function onlineTarget(): OnlineTarget | null {
  const g: Partial<Record<"addEventListener" | "removeEventListener", unknown>> = globalThis;
  if (typeof g.addEventListener !== "function" || typeof g.removeEventListener !== "function") return null;
  // Checked just above; the global's own typing differs between DOM, Node and Workers libs.
  return globalThis as unknown as OnlineTarget;
}
