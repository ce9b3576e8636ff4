// The connection status pill: connected / connecting / reconnecting with a live countdown / closed.
import type { ConnectionState } from "../../client/types.ts";
import { statusText } from "../format.ts";

export class StatusView {
  readonly #root: HTMLElement;
  readonly #text: HTMLElement;
  #timer: ReturnType<typeof setInterval> | null = null;

  constructor(root: HTMLElement, text: HTMLElement) {
    this.#root = root;
    this.#text = text;
  }

  show(state: ConnectionState): void {
    this.#stopCountdown();
    this.#root.dataset.state = state.status;
    const at = state.status === "reconnecting" ? Date.now() + state.delayMs : 0;
    const paint = () => {
      this.#text.textContent = statusText(state, at, Date.now());
    };
    paint();
    if (state.status === "reconnecting") {
      // UI refresh of the countdown only; the client library owns the actual retry timer.
      this.#timer = setInterval(paint, 250);
    }
  }

  /** No room joined. */
  idle(): void {
    this.#stopCountdown();
    this.#root.dataset.state = "idle";
    this.#text.textContent = "Not connected";
  }

  #stopCountdown(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }
}
