// The member list (from the client's `members` event) and its count.
import type { Member } from "../../shared/protocol.ts";
import { el } from "../dom.ts";
import { displayName, hueOf, initials } from "../format.ts";

/** The presence state the page sets while its tab is hidden. */
export const AWAY = { status: "away" } as const;

export function isAway(state: unknown): boolean {
  return typeof state === "object" && state !== null && (state as { status?: unknown }).status === "away";
}

export class MembersView {
  readonly #list: HTMLUListElement;
  readonly #counts: HTMLElement[];

  /** `counts`: every element that shows the number of members (sidebar title, phone toggle). */
  constructor(list: HTMLUListElement, counts: HTMLElement[]) {
    this.#list = list;
    this.#counts = counts;
  }

  render(members: readonly Member[], selfId: string | null): void {
    const sorted = [...members].sort((a, b) => {
      if (a.id === selfId) return -1;
      if (b.id === selfId) return 1;
      return displayName(a).localeCompare(displayName(b));
    });
    this.#list.replaceChildren(
      ...sorted.map((m) => {
        const avatar = el("span", {
          className: "avatar small",
          text: initials(m),
          attrs: { "aria-hidden": "true" },
        });
        avatar.style.setProperty("--hue", String(hueOf(m.id)));
        const label = el("span", { className: "member-name", text: displayName(m) });
        const children: Node[] = [avatar, label];
        if (m.id === selfId) children.push(el("span", { className: "tag", text: "you" }));
        const away = isAway(m.state);
        if (away) children.push(el("span", { className: "tag away", text: "away" }));
        if (m.connections > 1) {
          children.push(
            el("span", {
              className: "member-conns",
              text: `×${m.connections}`,
              attrs: { title: `${m.connections} connections` },
            }),
          );
        }
        const item = el("li", { className: away ? "member away" : "member" }, children);
        item.dataset.userId = m.id;
        item.title = m.name ? `${m.name} (${m.id})` : m.id;
        return item;
      }),
    );
    for (const c of this.#counts) c.textContent = String(members.length);
  }

  clear(): void {
    this.render([], null);
  }
}
