// The selected room in the admin page: its three live charts at a readable size, and its members with
// kick and ban controls.
import type { RoomInfo } from "../../shared/protocol.ts";
import { el } from "../dom.ts";
import { MembersList } from "./members-list.ts";
import type { Metric, SeriesStore } from "./series.ts";
import { Sparkline } from "./sparkline.ts";
import { formatRate, formatSpan, kickResult } from "./text.ts";

const CHARTS: { metric: Metric; title: string }[] = [
  { metric: "sockets", title: "Sockets" },
  { metric: "users", title: "Users" },
  { metric: "rate", title: "Messages per second" },
];

/** What the panel asks of the page. */
export interface PanelActions {
  /** Kicks (and with `banSeconds` > 0 bans) a user; resolves with the number of sockets closed. */
  kick(room: string, user: string, banSeconds: number): Promise<number>;
  /** Polls again now, so a kick shows at once. */
  refresh(): void;
}

export interface PanelElements {
  panel: HTMLElement;
  room: HTMLElement;
  charts: HTMLElement;
  count: HTMLElement;
  note: HTMLElement;
  members: HTMLUListElement;
}

export class RoomPanel {
  readonly #ui: PanelElements;
  readonly #actions: PanelActions;
  readonly #members: MembersList;
  readonly #charts = new Map<Metric, { value: HTMLElement; peak: HTMLElement; chart: Sparkline }>();
  #room: string | null = null;

  constructor(ui: PanelElements, actions: PanelActions) {
    this.#ui = ui;
    this.#actions = actions;
    this.#members = new MembersList(
      ui.members,
      (user, seconds) => this.#kick(user, seconds),
      (message) => this.#note(message, "error"),
    );
    for (const { metric, title } of CHARTS) {
      const value = el("span", { className: "chart-value" });
      const peak = el("span", { className: "chart-peak muted" });
      const chart = new Sparkline(300, 56, "spark-large", title.toLowerCase());
      this.#charts.set(metric, { value, peak, chart });
      ui.charts.append(
        el("figure", { className: "chart", attrs: { "data-metric": metric } }, [
          el("figcaption", {}, [el("span", { className: "chart-title", text: title }), value, peak]),
          chart.element,
        ]),
      );
    }
  }

  /** The room shown, or null when the panel is closed. */
  get room(): string | null {
    return this.#room;
  }

  open(room: string): void {
    if (room !== this.#room) {
      this.#members.clear();
      this.#ui.count.textContent = "…";
      this.#note("Loading members…", "info");
    }
    this.#room = room;
    this.#ui.room.textContent = room;
    this.#ui.panel.hidden = false;
  }

  close(): void {
    this.#room = null;
    this.#ui.panel.hidden = true;
    this.#members.clear();
  }

  /** Redraws the charts from the series (a room that left the directory shows its last figures). */
  drawCharts(series: SeriesStore, now: number, live: boolean): void {
    if (this.#room === null) return;
    const latest = series.latest(this.#room);
    const span = series.span(now);
    for (const [metric, { value, peak, chart }] of this.#charts) {
      const points = series.points(this.#room, metric);
      chart.draw(points, now, span);
      const v = latest?.[metric] ?? 0;
      value.textContent = metric === "rate" ? formatRate(v) : String(v);
      peak.textContent = `peak ${chart.element.dataset.max ?? "1"} · last ${formatSpan(span)}`;
    }
    this.#ui.panel.classList.toggle("idle", !live);
  }

  /** Shows the room's members (from `GET /rooms/:room`). */
  showInfo(info: RoomInfo): void {
    if (info.room !== this.#room) return;
    this.#members.render(info.members);
    const total = info.membersTotal;
    this.#ui.count.textContent = String(total);
    // A loading note or a load failure gives way to the members; a kick's outcome stays.
    if (this.#ui.note.dataset.kind === "info" || this.#ui.note.dataset.kind === "load") {
      const listed = info.members.length < total ? `Showing ${info.members.length} of ${total}. ` : "";
      this.#note(total === 0 ? "Nobody is in this room now." : listed, "info");
    }
  }

  /** The members could not be loaded. */
  showError(message: string): void {
    this.#note(`Could not load members: ${message}`, "load");
  }

  async #kick(user: string, banSeconds: number): Promise<void> {
    const room = this.#room;
    if (room === null) return;
    try {
      const closed = await this.#actions.kick(room, user, banSeconds);
      this.#note(kickResult(user, closed, banSeconds), "ok");
      this.#actions.refresh();
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      const code = "code" in e && typeof e.code === "string" ? ` (${e.code})` : "";
      this.#note(`Could not kick ${user}: ${e.message}${code}`, "error");
    }
  }

  /** The status line under the title: `info` and `load` notes give way to the next refresh, others stay. */
  #note(text: string, kind: "info" | "load" | "ok" | "error"): void {
    this.#ui.note.textContent = text;
    this.#ui.note.dataset.kind = kind;
    this.#ui.note.hidden = text === "";
  }
}
