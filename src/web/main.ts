// Entry of the browser page: decides between the join form and a room, and switches the views.
import { RoomcastError } from "../client/index.ts";
import type { ConnectionState } from "../client/types.ts";
import { CloseCode } from "../shared/protocol.ts";
import { explainClose } from "./format.ts";
import {
  forgetToken,
  type JoinParams,
  parseFragment,
  rememberToken,
  resolveJoin,
  roomFragment,
  tabStorage,
} from "./fragment.ts";
import { HistoryLoader } from "./history-loader.ts";
import { type Session, type SessionHooks, startSession } from "./session.ts";
import { getUi } from "./ui.ts";
import { Composer } from "./views/composer.ts";
import { MembersView } from "./views/members-view.ts";
import { MessagesView } from "./views/messages-view.ts";
import { StatusView } from "./views/status-view.ts";
import { TypingView } from "./views/typing.ts";

/** Refusals that no retry with the same token can fix: forget that token for this tab. */
const TOKEN_REFUSALS = new Set(["unauthorized", "forbidden", "bad_room", "banned"]);
/** Closes a retry cannot undo: no Retry button. */
const FINAL_CLOSES = new Set(["kicked", ...TOKEN_REFUSALS]);
const TOAST_MS = 6000;

const ui = getUi();
const storage = tabStorage();
const messages = new MessagesView(ui.messages, ui.timeline);
const earlier = new HistoryLoader(
  { box: ui.history, button: ui.historyLoad, text: ui.historyText },
  messages,
  ui.timeline,
);
const members = new MembersView(ui.members, [ui.membersCount, ui.membersToggleCount]);
const status = new StatusView(ui.status, ui.statusText);
const typing = new TypingView(ui.typing);
const composer = new Composer(
  ui.composer,
  ui.composerInput,
  ui.send,
  (text) => session?.send(text) ?? false,
  () => session?.typing(),
);

let session: Session | null = null;
let current: JoinParams | null = null;
/** Bumped on every join/leave so events of a replaced session are ignored. */
let generation = 0;
let toastTimer: ReturnType<typeof setTimeout> | null = null;

function setUrl(fragment: string): void {
  history.replaceState(history.state, "", `${location.pathname}${location.search}${fragment}`);
}

function toast(text: string): void {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  if (toastTimer !== null) clearTimeout(toastTimer);
  toastTimer = setTimeout(() => {
    ui.toast.hidden = true;
  }, TOAST_MS);
}

function closeSession(): void {
  generation++;
  earlier.reset();
  session?.leave();
  session = null;
}

function showJoin(room: string | null): void {
  closeSession();
  current = null;
  status.idle();
  composer.setEnabled(false);
  ui.chatView.hidden = true;
  ui.roomTitle.hidden = true;
  ui.leave.hidden = true;
  ui.membersToggle.hidden = true;
  ui.joinView.hidden = false;
  document.title = "roomcast";
  setUrl(room ? roomFragment(room) : "");
  ui.joinRoom.value = room ?? "";
  ui.joinToken.value = "";
  (room ? ui.joinToken : ui.joinRoom).focus();
}

function showClosed(state: Extract<ConnectionState, { status: "closed" }>, room: string): void {
  const why = explainClose(state, room);
  ui.errorTitle.textContent = why.title;
  ui.errorDetail.textContent = why.detail;
  ui.errorBanner.hidden = false;
  ui.chatView.dataset.phase = "closed";
  const code = state.error?.code;
  const refused = code !== undefined && TOKEN_REFUSALS.has(code);
  // The same token cannot get better, and a kick is final: offer only another token.
  ui.errorRetry.hidden = code !== undefined && FINAL_CLOSES.has(code);
  if (refused) forgetToken(storage, room);
}

function join(p: JoinParams): void {
  closeSession();
  const mine = ++generation;
  current = p;
  rememberToken(storage, p);
  setUrl(roomFragment(p.room));

  messages.clear();
  members.clear();
  ui.errorBanner.hidden = true;
  ui.gapBanner.hidden = true;
  ui.toast.hidden = true;
  composer.setEnabled(false);
  composer.setPlaceholder(`Message #${p.room}`);
  ui.roomName.textContent = p.room;
  ui.empty.textContent = `Joining #${p.room}…`;
  ui.chatView.dataset.phase = "joining";
  ui.roomTitle.hidden = false;
  ui.leave.hidden = false;
  ui.membersToggle.hidden = false;
  ui.joinView.hidden = true;
  ui.chatView.hidden = false;
  document.title = `#${p.room} · roomcast`;

  let welcomed = false;
  let closed = false;
  const hooks: SessionHooks = {
    onWelcome() {
      if (mine !== generation) return;
      if (!welcomed) composer.focus();
      welcomed = true;
      ui.errorBanner.hidden = true;
      ui.chatView.dataset.phase = "live";
      composer.setEnabled(true);
    },
    onState(state) {
      if (mine !== generation) return;
      if (state.status === "closed") {
        closed = true;
        composer.setEnabled(false);
        showClosed(state, p.room);
      } else {
        // While reconnecting the composer stays usable: the client queues and resends.
        composer.setEnabled(welcomed);
      }
    },
    onSynced(s) {
      if (mine !== generation) return;
      // Set only now: the recent history replayed after the welcome may still be arriving before `synced`.
      ui.empty.textContent = "No messages yet. Say hello!";
      if (s.gap) ui.gapBanner.hidden = false;
      const open = session;
      if (open) earlier.start((q) => open.history(q), s.seq);
    },
    onError(text) {
      // The error that closed the connection is already in the banner.
      if (mine === generation && !closed) toast(text);
    },
    onRefreshed() {
      if (mine === generation) toast("Token refreshed: still connected");
    },
  };
  try {
    session = startSession(p, { messages, members, status, typing }, hooks);
  } catch (err) {
    // connect() throws at once on what can never work, e.g. an invalid room name.
    const error =
      err instanceof RoomcastError ? err : new RoomcastError("bad_request", String(err), { cause: err });
    const state = { status: "closed", code: CloseCode.NORMAL, reason: error.message, error } as const;
    status.show(state);
    showClosed(state, p.room);
  }
}

ui.joinForm.addEventListener("submit", (e) => {
  e.preventDefault();
  const room = ui.joinRoom.value.trim();
  const token = ui.joinToken.value.trim();
  if (room && token) join({ room, token });
});
ui.leave.addEventListener("click", () => {
  const room = current?.room ?? null;
  if (room) forgetToken(storage, room);
  showJoin(room);
});
ui.errorRetry.addEventListener("click", () => {
  if (current) join(current);
});
ui.errorRejoin.addEventListener("click", () => showJoin(current?.room ?? null));
ui.gapDismiss.addEventListener("click", () => {
  ui.gapBanner.hidden = true;
});
function setMembersOpen(open: boolean): void {
  ui.membersPanel.classList.toggle("open", open);
  ui.membersToggle.setAttribute("aria-expanded", String(open));
}
ui.membersToggle.addEventListener("click", () => setMembersOpen(!ui.membersPanel.classList.contains("open")));
// The phone popover closes when the conversation is touched.
ui.timeline.addEventListener("click", () => setMembersOpen(false));
window.addEventListener("hashchange", () => {
  // A pasted link with a new token or room while the page is open (our own replaceState fires no event).
  const next = resolveJoin(parseFragment(location.hash), storage);
  if (!next || (next.room === current?.room && next.token === current.token)) return;
  // A new token for the room we are in: swap it in band, no reconnect and no leave/join for others.
  if (next.room === current?.room && session?.refresh(next.token)) {
    current = next;
    rememberToken(storage, next);
    setUrl(roomFragment(next.room));
    return;
  }
  join(next);
});

const fragment = parseFragment(location.hash);
const initial = resolveJoin(fragment, storage);
if (initial) join(initial);
else showJoin(fragment.room);
