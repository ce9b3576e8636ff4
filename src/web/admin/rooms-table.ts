// The live room table: one row per room, kept across polls so its small charts persist, in the order
// of the column whose header was clicked last.
import { el } from "../dom.ts";
import type { DirectoryRoom } from "./api.ts";
import { arrange } from "./arrange.ts";
import type { Metric, SeriesStore } from "./series.ts";
import { nextSort, type SortKey, type SortState, sortRows } from "./sort.ts";
import { Sparkline } from "./sparkline.ts";
import { ago, formatRate } from "./text.ts";

const SORT_KEYS = ["room", "sockets", "users", "rate", "messagesLastMinute", "seq", "lastActivity"] as const;
const CHARTED = ["sockets", "users", "rate"] as const satisfies readonly Metric[];
const LABELS: Record<Metric, string> = { sockets: "sockets", users: "users", rate: "messages per second" };

function isSortKey(k: string | undefined): k is SortKey {
  return SORT_KEYS.some((s) => s === k);
}

/** One room's row: its cells and charts, updated in place on every poll. */
class RoomRow {
  readonly tr: HTMLTableRowElement;
  readonly #sharded: HTMLSpanElement;
  readonly #values = new Map<Metric, { text: HTMLSpanElement; chart: Sparkline }>();
  readonly #lastMinute: HTMLTableCellElement;
  readonly #seq: HTMLTableCellElement;
  readonly #active: HTMLTableCellElement;

  constructor(room: string, onSelect: (room: string) => void) {
    const name = el("button", { className: "room-name", text: room, attrs: { type: "button" } });
    name.addEventListener("click", () => onSelect(room));
    this.#sharded = el("span", { className: "tag", text: "sharded", attrs: { title: "a sharded room" } });
    const cells: HTMLTableCellElement[] = [
      el("th", { attrs: { scope: "row", "data-col": "room" } }, [name, this.#sharded]),
    ];
    for (const m of CHARTED) {
      const text = el("span", { className: "value" });
      const chart = new Sparkline(64, 20, "spark-small", LABELS[m]);
      this.#values.set(m, { text, chart });
      cells.push(el("td", { className: "num", attrs: { "data-col": m } }, [text, chart.element]));
    }
    this.#lastMinute = el("td", { className: "num wide", attrs: { "data-col": "messagesLastMinute" } });
    this.#seq = el("td", { className: "num wide", attrs: { "data-col": "seq" } });
    this.#active = el("td", { className: "wide", attrs: { "data-col": "lastActivity" } });
    this.tr = el("tr", { attrs: { "data-room": room } }, [
      ...cells,
      this.#lastMinute,
      this.#seq,
      this.#active,
    ]);
  }

  update(entry: DirectoryRoom, series: SeriesStore, now: number): void {
    this.#sharded.hidden = !entry.sharded;
    const latest = series.latest(entry.room);
    const figures: Record<Metric, string> = {
      sockets: String(entry.sockets),
      users: String(entry.users),
      rate: formatRate(latest?.rate ?? 0),
    };
    for (const [m, { text, chart }] of this.#values) {
      text.textContent = figures[m];
      chart.draw(series.points(entry.room, m), now, series.span(now));
    }
    this.#lastMinute.textContent = String(entry.messagesLastMinute);
    this.#seq.textContent = String(entry.seq);
    this.#active.textContent = ago(entry.lastActivity, now);
    this.#active.title = new Date(entry.lastActivity).toLocaleString();
  }
}

/** The table of live rooms. Clicking a room's name selects it; clicking a header sorts. */
export class RoomsTable {
  readonly #table: HTMLTableElement;
  readonly #body: HTMLTableSectionElement;
  readonly #empty: HTMLElement;
  readonly #onSelect: (room: string) => void;
  readonly #rows = new Map<string, RoomRow>();
  #sort: SortState = { key: "room", dir: "asc" };
  #last: { rooms: readonly DirectoryRoom[]; series: SeriesStore; now: number } | null = null;
  #selected: string | null = null;

  constructor(
    table: HTMLTableElement,
    body: HTMLTableSectionElement,
    empty: HTMLElement,
    onSelect: (room: string) => void,
  ) {
    this.#table = table;
    this.#body = body;
    this.#empty = empty;
    this.#onSelect = onSelect;
    table.tHead?.addEventListener("click", (e) => {
      const th = e.target instanceof Element ? e.target.closest("th") : null;
      const key = th?.dataset.sort;
      if (!isSortKey(key)) return;
      this.#sort = nextSort(this.#sort, key);
      this.#showSort();
      if (this.#last) this.render(this.#last.rooms, this.#last.series, this.#last.now);
    });
    this.#showSort();
  }

  /** Shows these rooms (updating rows in place), in the current order. */
  render(rooms: readonly DirectoryRoom[], series: SeriesStore, now: number): void {
    this.#last = { rooms, series, now };
    const listed = new Set(rooms.map((r) => r.room));
    for (const [name, row] of this.#rows) {
      if (!listed.has(name)) {
        row.tr.remove();
        this.#rows.delete(name);
      }
    }
    const sorted = sortRows(
      rooms.map((entry) => ({ entry, rate: series.latest(entry.room)?.rate ?? 0 })),
      this.#sort,
    );
    const trs = sorted.map(({ entry }) => {
      let row = this.#rows.get(entry.room);
      if (!row) {
        row = new RoomRow(entry.room, this.#onSelect);
        this.#rows.set(entry.room, row);
      }
      row.update(entry, series, now);
      row.tr.classList.toggle("selected", entry.room === this.#selected);
      return row.tr;
    });
    arrange(this.#body, trs);
    this.#empty.hidden = rooms.length > 0;
  }

  /** Highlights the selected room's row (null: none). */
  select(room: string | null): void {
    this.#selected = room;
    for (const [name, row] of this.#rows) row.tr.classList.toggle("selected", name === room);
  }

  /** Empties the table (another token or prefix). */
  clear(): void {
    for (const row of this.#rows.values()) row.tr.remove();
    this.#rows.clear();
    this.#last = null;
    this.#empty.hidden = true;
  }

  #showSort(): void {
    for (const th of this.#table.querySelectorAll<HTMLTableCellElement>("thead th[data-sort]")) {
      const on = th.dataset.sort === this.#sort.key;
      if (on) th.setAttribute("aria-sort", this.#sort.dir === "asc" ? "ascending" : "descending");
      else th.removeAttribute("aria-sort");
    }
  }
}
