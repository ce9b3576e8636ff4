// "Alice is typing…": driven by typing signals, throttled on the way out, expiring on its own.
import type { UserRef } from "../../shared/protocol.ts";
import { displayName } from "../format.ts";

/** A typing signal is sent at most this often while the person types. */
export const TYPING_SEND_MS = 2_000;
/** Someone shows as typing this long after their last typing signal. */
export const TYPING_SHOW_MS = 4_000;

/** The data of a typing signal. */
export const TYPING = { typing: true } as const;

export function isTyping(data: unknown): boolean {
  return typeof data === "object" && data !== null && (data as { typing?: unknown }).typing === true;
}

/** The line for the people typing now (empty when nobody is). */
export function typingText(names: readonly string[]): string {
  if (names.length === 0) return "";
  if (names.length === 1) return `${names[0]} is typing…`;
  if (names.length === 2) return `${names[0]} and ${names[1]} are typing…`;
  return `${names.length} people are typing…`;
}

/** Throttles outgoing typing signals: true when one may be sent at `now`. */
export class TypingThrottle {
  #last = -Infinity;

  take(now: number): boolean {
    if (now - this.#last < TYPING_SEND_MS) return false;
    this.#last = now;
    return true;
  }

  /** The message was sent: the next keystroke may signal again at once. */
  reset(): void {
    this.#last = -Infinity;
  }
}

/** Who is typing, shown in one element; each entry expires TYPING_SHOW_MS after its last signal. */
export class TypingView {
  readonly #el: HTMLElement;
  readonly #until = new Map<string, { user: UserRef; until: number }>();
  #timer: ReturnType<typeof setTimeout> | null = null;

  constructor(el: HTMLElement) {
    this.#el = el;
  }

  /** A typing signal from `user`. */
  seen(user: UserRef, now = Date.now()): void {
    this.#until.set(user.id, { user, until: now + TYPING_SHOW_MS });
    this.#render(now);
  }

  /** The user sent their message or left: no longer typing. */
  stopped(userId: string): void {
    if (this.#until.delete(userId)) this.#render(Date.now());
  }

  clear(): void {
    this.#until.clear();
    this.#render(Date.now());
  }

  #render(now: number): void {
    for (const [id, t] of this.#until) if (t.until <= now) this.#until.delete(id);
    const names = [...this.#until.values()].map((t) => displayName(t.user));
    this.#el.textContent = typingText(names);
    this.#el.hidden = names.length === 0;
    if (this.#timer !== null) clearTimeout(this.#timer);
    this.#timer = null;
    if (this.#until.size > 0) {
      const next = Math.min(...[...this.#until.values()].map((t) => t.until));
      this.#timer = setTimeout(() => this.#render(Date.now()), Math.max(0, next - now));
    }
  }
}
