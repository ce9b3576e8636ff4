// One joined room: opens the client library's connection and feeds its events to the views.

import { connect } from "../client/index.ts";
import { publishText, sizeError } from "../client/stream/frame-size.ts";
import { newId } from "../client/stream/ids.ts";
import type { ConnectionState, RoomClient, SyncedEvent } from "../client/types.ts";
import { CloseCode, type HistoryPage, type UserRef } from "../shared/protocol.ts";
import { utf8Length } from "../shared/utf8.ts";
import { displayName, publishFailure } from "./format.ts";
import type { JoinParams } from "./fragment.ts";
import type { MembersView } from "./views/members-view.ts";
import { AWAY } from "./views/members-view.ts";
import type { MessagesView } from "./views/messages-view.ts";
import type { StatusView } from "./views/status-view.ts";
import { isTyping, TYPING, TypingThrottle, type TypingView } from "./views/typing.ts";

export interface SessionViews {
  messages: MessagesView;
  members: MembersView;
  status: StatusView;
  typing: TypingView;
}

export interface SessionHooks {
  /** The user is known (first welcome): the composer may be used. */
  onWelcome(user: UserRef): void;
  /** Any state change (status pill aside), e.g. to enable or disable the composer. */
  onState(state: ConnectionState): void;
  /** Every `synced`: the replay (recent history on joining, missed messages after a reconnect) is shown. */
  onSynced(s: SyncedEvent): void;
  /** An error not tied to one of our messages (e.g. rate_limited on a frame). */
  onError(text: string): void;
  /** The connection now runs on a new token, without having reconnected. */
  onRefreshed(): void;
}

export interface Session {
  readonly room: string;
  /** Publishes `{ text }`; false when it cannot be sent (too large). */
  send(text: string): boolean;
  /** The person is typing: tells the room, at most every few seconds. */
  typing(): void;
  /** Replaces the token in band; false when not connected (then join again instead). */
  refresh(token: string): boolean;
  /** Scroll-back: up to `limit` retained messages below seq `before`, newest first (HTTP). */
  history(q: { before: number; limit: number }): Promise<HistoryPage>;
  /** Leaves the room for good (close 1000). */
  leave(): void;
}

/**
 * Recent messages the room replays when the page joins (first connection only; reconnects resume
 * from the last seq seen), so a fresh join or a reload shows the conversation so far.
 */
export const JOIN_HISTORY = 50;

/** Connects to `params.room` on this page's own origin and keeps the views up to date. */
export function startSession(params: JoinParams, views: SessionViews, hooks: SessionHooks): Session {
  const client: RoomClient = connect({
    url: location.origin,
    room: params.room,
    token: params.token,
    rewind: JOIN_HISTORY,
  });
  let self: UserRef | null = null;
  let maxBytes: number | null = null;
  let synced = false;
  let wasOffline = false;
  let reconnectNote: HTMLLIElement | null = null;

  client.on("state", (state) => {
    views.status.show(state);
    if (state.status === "reconnecting") wasOffline = true;
    hooks.onState(state);
  });
  client.on("welcome", (w) => {
    self = w.user;
    maxBytes = w.limits.maxMessageBytes;
    views.messages.setSelf(w.user);
    views.messages.setEpoch(w.epoch);
    // Placed before the replayed messages that follow the welcome; completed on `synced`. Only after a
    // reconnect: the history replayed on joining is shown as plain history, without a note.
    if (synced && wasOffline) reconnectNote = views.messages.addNote("Reconnected");
    hooks.onWelcome(w.user);
  });
  client.on("synced", (s) => {
    if (reconnectNote) {
      const missed = s.replayed === 1 ? "1 missed message" : `${s.replayed} missed messages`;
      const parts = [
        "Reconnected",
        ...(s.gap ? ["some messages are missing"] : []),
        ...(s.replayed > 0 ? [`${missed} restored`] : []),
      ];
      reconnectNote.textContent = parts.join(" · ");
      reconnectNote.classList.toggle("warn", s.gap);
      reconnectNote = null;
    }
    synced = true;
    wasOffline = false;
    hooks.onSynced(s);
  });
  client.on("message", (m) => {
    views.typing.stopped(m.from.id);
    views.messages.addMessage(m);
  });
  client.on("signal", (s) => {
    if (isTyping(s.data) && s.from.id !== self?.id) views.typing.seen(s.from);
  });
  client.on("direct", (d) => {
    views.messages.addDirect(d);
  });
  client.on("presence", (p) => {
    if (p.event === "count") return; // a big room: the member count is shown, not each arrival
    if (p.event === "update") return; // shown in the member list (e.g. "away")
    if (p.event === "leave") views.typing.stopped(p.user.id);
    views.messages.addNote(`${displayName(p.user)} ${p.event === "join" ? "joined" : "left"}`);
  });
  // Presence state "away" while this tab is hidden; the client restores it after a reconnect.
  const visibility = () => {
    if (client.state.status !== "closed") client.setState(document.hidden ? AWAY : null);
  };
  if (document.hidden) visibility();
  document.addEventListener("visibilitychange", visibility);
  const throttle = new TypingThrottle();
  client.on("members", (members) => views.members.render(members, self?.id ?? null));
  client.on("refreshed", () => hooks.onRefreshed());
  client.on("error", (e) => hooks.onError(`${e.message} (${e.code})`));

  return {
    room: params.room,
    send(text) {
      const data = { text };
      const id = newId();
      const tooBig = sizeError("Message", utf8Length(publishText(data, id)), maxBytes);
      if (tooBig) {
        hooks.onError(`${tooBig.message} (${tooBig.code})`);
        return false;
      }
      throttle.reset();
      const pending = views.messages.addPending(id, data);
      const attempt = () => {
        // Same id on retry: the room acks a repeated id with the original seq instead of storing it twice.
        client.publish(data, { id }).then(
          (seq) => pending.sent(seq),
          (err: unknown) => pending.failed(publishFailure(err), attempt),
        );
      };
      attempt();
      return true;
    },
    refresh(token) {
      try {
        client.refresh(token);
        return true;
      } catch {
        return false;
      }
    },
    typing() {
      if (client.state.status !== "open" || !throttle.take(Date.now())) return;
      try {
        client.signal(TYPING);
      } catch {
        // not open after all: a typing hint is not worth an error
      }
    },
    history(q) {
      return client.history(q);
    },
    leave() {
      document.removeEventListener("visibilitychange", visibility);
      views.typing.clear();
      client.close(CloseCode.NORMAL, "left");
    },
  };
}
