// The message timeline: incoming, direct and own (pending → sent / failed) messages, system notes, de-duplication.
import type { DirectFrame, MessageFrame, UserRef } from "../../shared/protocol.ts";
import { el } from "../dom.ts";
import { displayName, formatTime, hueOf, initials, messageBody } from "../format.ts";

/** Handle on an own message until the server acks or refuses it. */
export interface PendingMessage {
  sent(seq: number): void;
  failed(reason: string, retry: () => void): void;
}

/** Consecutive messages of one sender within this window share one header. */
const GROUP_MS = 5 * 60_000;
/** Pixels from the bottom within which the view keeps following new messages. */
const STICKY_PX = 80;
/** Oldest items are dropped beyond this, so a long-open busy room does not grow the page forever. */
const MAX_ITEMS = 2000;

export class MessagesView {
  readonly #list: HTMLOListElement;
  readonly #scroller: HTMLElement;
  /** Keys already shown: `seq:<epoch>:<seq>` and `id:<user>:<id>`, so replays never duplicate. */
  readonly #seen = new Set<string>();
  #self: UserRef | null = null;
  #epoch = "";
  #last: { from: string; ts: number } | null = null;
  /** Whether the cap has dropped older items: scroll-back would only find them again, so it stops. */
  #trimmed = false;

  constructor(list: HTMLOListElement, scroller: HTMLElement) {
    this.#list = list;
    this.#scroller = scroller;
  }

  /** Who "own" messages belong to (from the welcome frame). */
  setSelf(user: UserRef): void {
    this.#self = user;
  }

  /** The room's history epoch: seq numbers are only unique within one. */
  setEpoch(epoch: string): void {
    this.#epoch = epoch;
  }

  clear(): void {
    this.#list.replaceChildren();
    this.#seen.clear();
    this.#last = null;
    this.#trimmed = false;
  }

  /** The lowest seq on screen (the `before` of the next scroll-back page), or null when none is. */
  oldestSeq(): number | null {
    const first = this.#list.querySelector<HTMLElement>("li[data-seq]");
    const seq = first ? Number(first.dataset.seq) : Number.NaN;
    return Number.isSafeInteger(seq) ? seq : null;
  }

  /** Items the cap still allows before the oldest one; 0 once the cap has dropped anything. */
  room(): number {
    return this.#trimmed ? 0 : Math.max(0, MAX_ITEMS - this.#list.childElementCount);
  }

  /**
   * Puts a page of earlier messages (any order) above the timeline, skipping any already shown, and
   * keeps what the reader was looking at in place. Returns how many were added.
   */
  prependMessages(page: readonly MessageFrame[]): number {
    const fresh: MessageFrame[] = [];
    for (const m of [...page].sort((a, b) => a.seq - b.seq)) {
      const seqKey = `seq:${this.#epoch}:${m.seq}`;
      const idKey = m.id === undefined ? null : `id:${m.from.id}:${m.id}`;
      if (this.#seen.has(seqKey) || (idKey && this.#seen.has(idKey))) continue;
      this.#seen.add(seqKey);
      if (idKey) this.#seen.add(idKey);
      fresh.push(m);
    }
    if (fresh.length === 0) return 0;
    const items: HTMLLIElement[] = [];
    let prev: { from: string; ts: number } | null = null;
    for (const m of fresh) {
      const item = this.#build(m.from, m.data, m.ts, false, prev);
      prev = { from: m.from.id, ts: m.ts };
      item.dataset.seq = String(m.seq);
      if (m.id !== undefined) item.dataset.id = m.id;
      items.push(item);
    }
    // The first item that was on screen now follows the page: it joins the last one's group if it can.
    const next = this.#list.firstElementChild;
    if (next instanceof HTMLElement && next.classList.contains("msg") && !next.classList.contains("direct")) {
      const last = fresh[fresh.length - 1];
      const ts = Date.parse(next.querySelector("time")?.getAttribute("datetime") ?? "");
      if (last && next.dataset.from === last.from.id && ts - last.ts < GROUP_MS)
        next.classList.add("grouped");
    }
    const s = this.#scroller;
    const fromBottom = s.scrollHeight - s.scrollTop;
    this.#list.prepend(...items);
    s.scrollTop = s.scrollHeight - fromBottom;
    return fresh.length;
  }

  /** Shows a published message unless it is already on screen; returns whether it was added. */
  addMessage(m: MessageFrame): boolean {
    const seqKey = `seq:${this.#epoch}:${m.seq}`;
    const idKey = m.id === undefined ? null : `id:${m.from.id}:${m.id}`;
    if (this.#seen.has(seqKey) || (idKey && this.#seen.has(idKey))) return false;
    this.#seen.add(seqKey);
    if (idKey) this.#seen.add(idKey);
    const item = this.#item(m.from, m.data, m.ts, false);
    item.dataset.seq = String(m.seq);
    if (m.id !== undefined) item.dataset.id = m.id;
    this.#append(item);
    return true;
  }

  /** Shows a direct (private) message addressed to this user. */
  addDirect(m: DirectFrame): void {
    if (m.id !== undefined) {
      const key = `direct:${m.from.id}:${m.id}`;
      if (this.#seen.has(key)) return;
      this.#seen.add(key);
    }
    this.#append(this.#item(m.from, m.data, m.ts, true));
  }

  /** Shows an own message at once, marked pending until `sent` or `failed`. */
  addPending(id: string, data: unknown): PendingMessage {
    const self = this.#self ?? { id: "me", name: null };
    this.#seen.add(`id:${self.id}:${id}`);
    const item = this.#item(self, data, Date.now(), false);
    item.dataset.id = id;
    item.classList.add("pending");
    const state = el("div", { className: "msg-state", text: "Sending…" });
    item.querySelector(".bubble")?.append(state);
    this.#append(item);
    return {
      sent: (seq) => {
        this.#seen.add(`seq:${this.#epoch}:${seq}`);
        item.dataset.seq = String(seq);
        item.classList.remove("pending", "failed");
        state.replaceChildren();
        state.textContent = "Sent";
        state.title = `seq ${seq}`;
      },
      failed: (reason, retry) => {
        item.classList.remove("pending");
        item.classList.add("failed");
        const button = el("button", { className: "link", text: "Retry", attrs: { type: "button" } });
        button.addEventListener("click", () => {
          item.classList.remove("failed");
          item.classList.add("pending");
          state.replaceChildren();
          state.textContent = "Sending…";
          retry();
        });
        state.replaceChildren(
          el("span", { className: "msg-error", text: reason, attrs: { role: "alert" } }),
          button,
        );
      },
    };
  }

  /** A centred system line (joins, leaves, reconnects); returned so its text can be updated. */
  addNote(text: string, kind: "info" | "warn" = "info"): HTMLLIElement {
    const note = el("li", { className: `note ${kind}`, text });
    this.#append(note);
    this.#last = null;
    return note;
  }

  #item(from: UserRef, data: unknown, ts: number, direct: boolean): HTMLLIElement {
    const item = this.#build(from, data, ts, direct, this.#last);
    this.#last = direct ? null : { from: from.id, ts };
    return item;
  }

  #build(
    from: UserRef,
    data: unknown,
    ts: number,
    direct: boolean,
    prev: { from: string; ts: number } | null,
  ): HTMLLIElement {
    const own = this.#self !== null && from.id === this.#self.id;
    const body = messageBody(data);
    const grouped = !direct && prev?.from === from.id && ts - prev.ts < GROUP_MS;

    const avatar = el("div", { className: "avatar", text: initials(from), attrs: { "aria-hidden": "true" } });
    avatar.style.setProperty("--hue", String(hueOf(from.id)));
    const time = el("time", { text: formatTime(ts), attrs: { datetime: new Date(ts).toISOString() } });
    time.title = new Date(ts).toLocaleString();
    const meta = el("div", { className: "msg-meta" }, [
      el("span", { className: "msg-from", text: own ? `${displayName(from)} (you)` : displayName(from) }),
      ...(direct ? [el("span", { className: "tag", text: "direct" })] : []),
      time,
    ]);
    const text = el("div", { className: body.raw ? "msg-text raw" : "msg-text", text: body.text });
    const item = el("li", { className: "msg" }, [avatar, el("div", { className: "bubble" }, [meta, text])]);
    item.dataset.from = from.id;
    if (own) item.classList.add("own");
    if (direct) item.classList.add("direct");
    if (grouped) item.classList.add("grouped");
    return item;
  }

  #append(node: HTMLElement): void {
    const s = this.#scroller;
    const follow = s.scrollHeight - s.scrollTop - s.clientHeight < STICKY_PX;
    this.#list.append(node);
    // Their keys stay in `seen`: a late replay of a dropped message must not bring it back.
    while (this.#list.childElementCount > MAX_ITEMS) {
      this.#list.firstElementChild?.remove();
      this.#trimmed = true;
    }
    if (follow || node.classList.contains("own")) s.scrollTop = s.scrollHeight;
  }
}
