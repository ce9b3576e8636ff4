// The page skeleton (index.html) as typed elements, looked up once.
import { byId } from "./dom.ts";

export type Ui = ReturnType<typeof getUi>;

/** Every element the page script touches; throws early if index.html and the script disagree. */
export function getUi() {
  return {
    roomTitle: byId("room-title", HTMLDivElement),
    roomName: byId("room-name", HTMLSpanElement),
    status: byId("status", HTMLDivElement),
    statusText: byId("status-text", HTMLSpanElement),
    membersToggle: byId("members-toggle", HTMLButtonElement),
    membersToggleCount: byId("members-toggle-count", HTMLSpanElement),
    leave: byId("leave", HTMLButtonElement),

    joinView: byId("join-view", HTMLElement),
    joinForm: byId("join-form", HTMLFormElement),
    joinRoom: byId("join-room", HTMLInputElement),
    joinToken: byId("join-token", HTMLTextAreaElement),

    chatView: byId("chat-view", HTMLElement),
    errorBanner: byId("error-banner", HTMLDivElement),
    errorTitle: byId("error-title", HTMLElement),
    errorDetail: byId("error-detail", HTMLSpanElement),
    errorRetry: byId("error-retry", HTMLButtonElement),
    errorRejoin: byId("error-rejoin", HTMLButtonElement),
    gapBanner: byId("gap-banner", HTMLDivElement),
    gapDismiss: byId("gap-dismiss", HTMLButtonElement),
    timeline: byId("timeline", HTMLDivElement),
    empty: byId("empty", HTMLParagraphElement),
    history: byId("history", HTMLDivElement),
    historyText: byId("history-text", HTMLSpanElement),
    historyLoad: byId("history-load", HTMLButtonElement),
    messages: byId("messages", HTMLOListElement),
    membersPanel: byId("members-panel", HTMLElement),
    membersCount: byId("members-count", HTMLSpanElement),
    members: byId("members", HTMLUListElement),
    toast: byId("toast", HTMLDivElement),
    typing: byId("typing", HTMLDivElement),
    composer: byId("composer", HTMLFormElement),
    composerInput: byId("composer-input", HTMLTextAreaElement),
    send: byId("send", HTMLButtonElement),
  };
}
