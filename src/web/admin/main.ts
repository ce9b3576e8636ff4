// Entry of the admin page (/admin): takes the admin token from the URL fragment, polls the live room
// directory every two seconds into the table and charts, and wires the selected room's panel.
import { errorMessage } from "../../shared/errors.ts";
import { CloseCode } from "../../shared/protocol.ts";
import {
  forgetToken,
  parseFragment,
  rememberToken,
  resolveJoin,
  roomFragment,
  tabStorage,
} from "../fragment.ts";
import { StatusView } from "../views/status-view.ts";
import { AdminApi, AdminError } from "./api.ts";
import { POLL_MS, Poller, retryDelay } from "./poller.ts";
import { RoomPanel } from "./room-panel.ts";
import { RoomsTable } from "./rooms-table.ts";
import { SeriesStore } from "./series.ts";
import { explainFailure } from "./text.ts";
import { getAdminUi } from "./ui.ts";

/**
 * The tab's sessionStorage slot for the admin token, through the room page's token memory: `*` never
 * appears in a room name, so it cannot collide with a room's token.
 */
const ADMIN_SLOT = "*admin";

const ui = getAdminUi();
const storage = tabStorage();
const series = new SeriesStore();
const status = new StatusView(ui.status, ui.statusText);
const table = new RoomsTable(ui.table, ui.roomsBody, ui.roomsEmpty, (room) => select(room));
const panel = new RoomPanel(
  {
    panel: ui.panel,
    room: ui.panelRoom,
    charts: ui.charts,
    count: ui.panelCount,
    note: ui.panelNote,
    members: ui.members,
  },
  {
    kick: async (room, user, banSeconds) => (await need().kick(room, user, banSeconds)).closed,
    refresh: () => poller.poll(),
  },
);
const poller = new Poller(poll);

let api: AdminApi | null = null;
let failures = 0;

function need(): AdminApi {
  if (!api) throw new AdminError("unauthorized", "no admin token", 401);
  return api;
}

function setUrl(fragment: string): void {
  history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment}`);
}

/**
 * One poll: the directory into the table and charts and, beside it, the selected room's members (a
 * failure of one does not hide the other). Returns the wait before the next poll, null to stop.
 */
async function poll(): Promise<number | null> {
  const current = api;
  if (!current) return null;
  const prefix = ui.prefix.value.trim();
  if (!ui.prefix.validity.valid) {
    // The route would answer 400: say why here and wait for a valid prefix.
    ui.summary.textContent = "A prefix is made of A–Z a–z 0–9 . _ - only";
    return POLL_MS;
  }
  const room = panel.room;
  const [list, info] = await Promise.allSettled([
    current.listRooms(prefix),
    room === null ? Promise.resolve(null) : current.roomInfo(room),
  ]);
  if (current !== api || prefix !== ui.prefix.value.trim()) return 0;
  if (room !== null && room === panel.room) {
    if (info.status === "fulfilled" && info.value) panel.showInfo(info.value);
    if (info.status === "rejected") panel.showError(errorMessage(info.reason));
  }
  if (list.status === "rejected") return failed(list.reason);
  const now = Date.now();
  const rooms = list.value.rooms;
  series.record(rooms, now);
  table.render(rooms, series, now);
  panel.drawCharts(
    series,
    now,
    rooms.some((r) => r.room === panel.room),
  );
  const sockets = rooms.reduce((n, r) => n + r.sockets, 0);
  const more = list.value.truncated ? "+ (narrow with a prefix)" : "";
  ui.summary.textContent = `${rooms.length}${more} live room${rooms.length === 1 ? "" : "s"} · ${sockets} socket${sockets === 1 ? "" : "s"}`;
  failures = 0;
  ui.errorBanner.hidden = true;
  ui.adminView.dataset.phase = "live";
  status.show({ status: "open" });
  return POLL_MS;
}

/** A failed directory poll: explained in the banner; polls again later, or never for a refused token. */
function failed(err: unknown): number | null {
  const e = err instanceof AdminError ? err : new AdminError("internal", errorMessage(err), 0);
  failures++;
  const delay = retryDelay(failures, e.retryAfterMs);
  const why = explainFailure(e, delay);
  ui.errorTitle.textContent = why.title;
  ui.errorDetail.textContent = why.detail;
  ui.errorBanner.hidden = false;
  ui.errorRetry.hidden = why.final;
  // Last known figures stay on screen, dimmed, while the server cannot be asked.
  ui.adminView.dataset.phase = "stale";
  if (why.final) {
    forgetToken(storage, ADMIN_SLOT);
    status.show({ status: "closed", code: CloseCode.NORMAL, reason: e.code });
    return null;
  }
  status.show({ status: "reconnecting", attempt: failures, delayMs: delay, code: 0, reason: e.code });
  return delay;
}

function select(room: string | null): void {
  table.select(room);
  if (room === null) {
    panel.close();
    setUrl("");
    return;
  }
  panel.open(room);
  setUrl(roomFragment(room));
  if (matchMedia("(max-width: 720px)").matches) ui.panel.scrollIntoView({ block: "start" });
  poller.poll();
}

/** Starts watching with this token (remembered for this tab), `room` selected. */
function start(token: string, room: string | null): void {
  poller.stop();
  api = new AdminApi(location.origin, token);
  rememberToken(storage, { room: ADMIN_SLOT, token });
  failures = 0;
  series.clear();
  table.clear();
  ui.summary.textContent = "";
  ui.errorBanner.hidden = true;
  ui.tokenView.hidden = true;
  ui.adminView.hidden = false;
  ui.forget.hidden = false;
  status.show({ status: "connecting", attempt: 1 });
  select(room);
  poller.start();
}

/** Stops and shows the token form. */
function showForm(): void {
  poller.stop();
  api = null;
  panel.close();
  status.idle();
  ui.adminView.hidden = true;
  ui.forget.hidden = true;
  ui.tokenView.hidden = false;
  ui.tokenInput.value = "";
  setUrl("");
  ui.tokenInput.focus();
}

/** `#token=…&room=…` (the token is taken out of the address bar at once), else this tab's token. */
function fromFragment(): void {
  const fragment = parseFragment(location.hash);
  const saved = resolveJoin({ room: ADMIN_SLOT, token: fragment.token }, storage);
  if (saved) start(saved.token, fragment.room);
  else showForm();
}

ui.tokenForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const token = ui.tokenInput.value.trim();
  if (token) start(token, null);
});
ui.forget.addEventListener("click", () => {
  forgetToken(storage, ADMIN_SLOT);
  showForm();
});
ui.errorRetry.addEventListener("click", () => poller.poll());
ui.errorToken.addEventListener("click", () => {
  forgetToken(storage, ADMIN_SLOT);
  showForm();
});
ui.panelClose.addEventListener("click", () => select(null));
let typing: ReturnType<typeof setTimeout> | null = null;
ui.prefix.addEventListener("input", () => {
  // Another prefix lists other rooms: poll once typing pauses, not on every key.
  if (typing !== null) clearTimeout(typing);
  typing = setTimeout(() => {
    series.clear();
    table.clear();
    poller.poll();
  }, 300);
});
// A pasted link with a new token (our own replaceState fires no event).
window.addEventListener("hashchange", () => {
  const fragment = parseFragment(location.hash);
  if (fragment.token) start(fragment.token, fragment.room);
  else if (fragment.room && fragment.room !== panel.room && api) select(fragment.room);
});

fromFragment();
