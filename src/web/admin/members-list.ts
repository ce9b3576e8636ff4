// One room's members in the admin page, each with a ban-seconds box and a Kick button. Rows are kept
// across refreshes so a number being typed into a box survives the next poll.
import { MAX_BAN_SECONDS, type Member } from "../../shared/protocol.ts";
import { el } from "../dom.ts";
import { displayName, hueOf, initials } from "../format.ts";
import { isAway } from "../views/members-view.ts";
import { arrange } from "./arrange.ts";

/** Asks the server to kick; resolves once it answered (the list re-enables the button either way). */
export type KickHandler = (user: string, banSeconds: number) => Promise<void>;

/** The ban box's text as seconds: a whole number from 0 to MAX_BAN_SECONDS ("" is 0), else null. */
export function parseBanSeconds(text: string): number | null {
  const t = text.trim();
  if (t === "") return 0;
  if (!/^\d+$/.test(t)) return null;
  const n = Number(t);
  return n <= MAX_BAN_SECONDS ? n : null;
}

class MemberRow {
  readonly li: HTMLLIElement;
  readonly #name: HTMLSpanElement;
  readonly #id: HTMLSpanElement;
  readonly #conns: HTMLSpanElement;
  readonly #away: HTMLSpanElement;
  readonly #ban: HTMLInputElement;
  readonly #kick: HTMLButtonElement;

  constructor(id: string, onKick: KickHandler, onInvalid: (message: string) => void) {
    const avatar = el("span", { className: "avatar small", text: "", attrs: { "aria-hidden": "true" } });
    avatar.style.setProperty("--hue", String(hueOf(id)));
    this.#name = el("span", { className: "member-name" });
    this.#id = el("span", { className: "member-id muted", text: id });
    this.#away = el("span", { className: "tag away", text: "away" });
    this.#conns = el("span", { className: "member-conns" });
    this.#ban = el("input", {
      className: "ban",
      attrs: {
        type: "number",
        min: "0",
        max: String(MAX_BAN_SECONDS),
        step: "1",
        value: "0",
        inputmode: "numeric",
        "aria-label": `Ban ${id} for seconds (0: kick only)`,
      },
    });
    this.#kick = el("button", { className: "danger", text: "Kick", attrs: { type: "button" } });
    this.#kick.addEventListener("click", () => {
      const seconds = parseBanSeconds(this.#ban.value);
      if (seconds === null) {
        onInvalid(`Ban seconds: a whole number from 0 to ${MAX_BAN_SECONDS}`);
        this.#ban.focus();
        return;
      }
      this.#kick.disabled = true;
      void onKick(id, seconds).finally(() => {
        this.#kick.disabled = false;
      });
    });
    const who = el("span", { className: "who" }, [this.#name, this.#id]);
    const ban = el("label", { className: "ban-label" }, [
      document.createTextNode("Ban"),
      this.#ban,
      document.createTextNode("s"),
    ]);
    this.li = el("li", { className: "member admin-member" }, [
      el("span", { className: "member-main" }, [avatar, who, this.#away, this.#conns]),
      el("span", { className: "member-actions" }, [ban, this.#kick]),
    ]);
    this.li.dataset.userId = id;
    avatar.textContent = initials({ id, name: null });
  }

  update(m: Member): void {
    this.#name.textContent = displayName(m);
    this.#id.hidden = !m.name || m.name === m.id;
    this.#away.hidden = !isAway(m.state);
    this.#conns.hidden = m.connections <= 1;
    this.#conns.textContent = `×${m.connections}`;
    this.#conns.title = `${m.connections} connections`;
    const avatar = this.li.querySelector(".avatar");
    if (avatar) avatar.textContent = initials(m);
  }
}

/** The member list of the selected room. */
export class MembersList {
  readonly #list: HTMLUListElement;
  readonly #onKick: KickHandler;
  readonly #onInvalid: (message: string) => void;
  readonly #rows = new Map<string, MemberRow>();

  constructor(list: HTMLUListElement, onKick: KickHandler, onInvalid: (message: string) => void) {
    this.#list = list;
    this.#onKick = onKick;
    this.#onInvalid = onInvalid;
  }

  /** Shows these members by name, keeping the rows (and what was typed in them) of those still here. */
  render(members: readonly Member[]): void {
    const here = new Set(members.map((m) => m.id));
    for (const [id, row] of this.#rows) {
      if (!here.has(id)) {
        row.li.remove();
        this.#rows.delete(id);
      }
    }
    const sorted = [...members].sort((a, b) => displayName(a).localeCompare(displayName(b)));
    const items = sorted.map((m) => {
      let row = this.#rows.get(m.id);
      if (!row) {
        row = new MemberRow(m.id, this.#onKick, this.#onInvalid);
        this.#rows.set(m.id, row);
      }
      row.update(m);
      return row.li;
    });
    arrange(this.#list, items);
  }

  clear(): void {
    this.render([]);
  }
}
