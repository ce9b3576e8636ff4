// The resume point (epoch + last seq seen) and the "never deliver a seq twice" rule.
import type { SyncedFrame } from "../../shared/protocol.ts";
import type { ResumePoint } from "../connection/url.ts";

/** Own acked seqs remembered at most, so a replay does not hand the app its own publishes back. */
const OWN_LIMIT = 10_000;

/**
 * Tracks where the app is in the room's stream. `seq` is the last seq the app has seen: delivered, its
 * own publish (acked), or skipped because `synced` reported it lost (gap). Reconnects resume from it.
 */
export class ResumeState {
  epoch: string | null;
  seq: number | null;
  readonly #own = new Set<number>();

  constructor(epoch?: string, since?: number) {
    this.epoch = epoch ?? null;
    this.seq = since ?? null;
  }

  /** `?since=&epoch=` for the next connection, or null for a fresh start. */
  resumePoint(): ResumePoint | null {
    return this.epoch !== null && this.seq !== null ? { epoch: this.epoch, since: this.seq } : null;
  }

  /** A welcome: a different epoch means the room's history was reset, so our seq means nothing there. */
  welcome(epoch: string): void {
    if (epoch === this.epoch) return;
    this.epoch = epoch;
    this.seq = null;
    this.#own.clear();
  }

  /** Our publish got `seq`: if a replay brings it back, it is not delivered as a message. */
  ownAck(seq: number): void {
    if (this.seq !== null && seq <= this.seq) return;
    this.#own.add(seq);
    if (this.#own.size > OWN_LIMIT) this.#own.delete(Math.min(...this.#own));
  }

  /**
   * A `message` frame with `seq`: "deliver" it, or "drop" it because the app already saw it (a replay
   * overlapping what arrived live) or because it is the app's own publish (`own`, or acked earlier).
   */
  receive(seq: number, own: boolean): "deliver" | "drop" {
    if (this.seq !== null && seq <= this.seq) return "drop";
    const mine = own || this.#own.has(seq);
    this.#advance(seq);
    return mine ? "drop" : "deliver";
  }

  /**
   * `synced`: the live stream starts after `frame.seq`. With a gap (history trimmed, epoch changed,
   * `since` beyond the room's seq) the skipped seqs are gone for good, so the resume point moves there.
   */
  synced(frame: SyncedFrame): void {
    if (frame.gap || this.seq === null || frame.seq > this.seq) this.#advance(frame.seq);
  }

  #advance(seq: number): void {
    this.seq = seq;
    for (const s of this.#own) if (s <= seq) this.#own.delete(s);
  }
}
