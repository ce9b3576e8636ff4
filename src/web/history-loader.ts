// "Load earlier messages": scroll-back pages from the client library's `room.history`, prepended to the timeline.

import { errorMessage } from "../shared/errors.ts";
import type { HistoryPage } from "../shared/protocol.ts";
import type { MessagesView } from "./views/messages-view.ts";

/** Messages asked for per page (the server allows up to 1,000). */
export const HISTORY_PAGE = 50;
/** Pixels from the top of the timeline within which scrolling loads the next page. */
const TOP_PX = 40;

export type FetchPage = (q: { before: number; limit: number }) => Promise<HistoryPage>;

export interface HistoryUi {
  /** The control's box at the top of the timeline. */
  box: HTMLElement;
  /** "Load earlier messages" / "Retry". */
  button: HTMLButtonElement;
  /** "Loading…", "Beginning of history", the error. */
  text: HTMLElement;
}

type Phase = "off" | "idle" | "loading" | "failed" | "end" | "full";

export class HistoryLoader {
  #phase: Phase = "off";
  #fetchPage: FetchPage | null = null;
  /** The `before` to use when nothing with a seq is shown (the room's seq at `synced`, plus one). */
  #fallback = 1;
  /** Lowest seq a page returned: the next `before` even when all of that page was already shown. */
  #cursor: number | null = null;
  /** Bumped by `reset`, so the answer for a room the page has left is dropped. */
  #generation = 0;

  readonly #ui: HistoryUi;
  readonly #view: MessagesView;

  constructor(ui: HistoryUi, view: MessagesView, scroller: HTMLElement) {
    this.#ui = ui;
    this.#view = view;
    ui.button.addEventListener("click", () => void this.load());
    scroller.addEventListener("scroll", () => {
      // A failure waits for the Retry button: scrolling must not hammer a failing server.
      if (this.#phase === "idle" && scroller.scrollTop < TOP_PX) void this.load();
    });
  }

  /** Another room (or none): hidden until `start`. */
  reset(): void {
    this.#generation++;
    this.#fetchPage = null;
    this.#cursor = null;
    this.#show("off");
  }

  /** The replay on joining is shown (`synced` at `seq`): earlier pages can be loaded now. */
  start(fetchPage: FetchPage, seq: number): void {
    this.#fallback = seq + 1;
    if (this.#fetchPage) return; // a reconnect: keep the state (and the "Beginning of history" reached)
    this.#fetchPage = fetchPage;
    this.#show("idle");
  }

  async load(): Promise<void> {
    const fetchPage = this.#fetchPage;
    if (!fetchPage || this.#phase === "loading" || this.#phase === "end" || this.#phase === "full") return;
    const limit = Math.min(HISTORY_PAGE, this.#view.room());
    if (limit <= 0) return this.#show("full");
    const before = Math.min(
      this.#view.oldestSeq() ?? this.#fallback,
      this.#cursor ?? Number.POSITIVE_INFINITY,
    );
    if (before <= 1) return this.#show("end");
    const mine = this.#generation;
    this.#show("loading");
    let page: HistoryPage;
    try {
      page = await fetchPage({ before, limit });
    } catch (err) {
      if (mine !== this.#generation) return;
      const why = errorMessage(err);
      return this.#show("failed", `Could not load earlier messages: ${why}`);
    }
    if (mine !== this.#generation) return;
    for (const m of page.messages) this.#cursor = Math.min(this.#cursor ?? m.seq, m.seq);
    this.#view.prependMessages(page.messages);
    this.#show(!page.more || page.messages.length === 0 ? "end" : "idle");
  }

  #show(phase: Phase, error = ""): void {
    this.#phase = phase;
    const { box, button, text } = this.#ui;
    box.hidden = phase === "off";
    box.dataset.state = phase;
    button.hidden = phase === "end" || phase === "full";
    button.disabled = phase === "loading";
    button.textContent = phase === "failed" ? "Retry" : "Load earlier messages";
    text.textContent =
      phase === "loading"
        ? "Loading…"
        : phase === "end"
          ? "Beginning of history"
          : phase === "full"
            ? "This page keeps at most 2,000 items: earlier messages are not loaded"
            : error;
    text.setAttribute("role", phase === "failed" ? "alert" : "status");
  }
}
