// The admin page skeleton (admin.html) as typed elements, looked up once.
import { byId } from "../dom.ts";

export type AdminUi = ReturnType<typeof getAdminUi>;

/** Every element the admin script touches; throws early if admin.html and the script disagree. */
export function getAdminUi() {
  return {
    status: byId("status", HTMLDivElement),
    statusText: byId("status-text", HTMLSpanElement),
    forget: byId("forget", HTMLButtonElement),

    tokenView: byId("token-view", HTMLElement),
    tokenForm: byId("token-form", HTMLFormElement),
    tokenInput: byId("token-input", HTMLTextAreaElement),

    adminView: byId("admin-view", HTMLElement),
    errorBanner: byId("error-banner", HTMLDivElement),
    errorTitle: byId("error-title", HTMLElement),
    errorDetail: byId("error-detail", HTMLSpanElement),
    errorRetry: byId("error-retry", HTMLButtonElement),
    errorToken: byId("error-token", HTMLButtonElement),

    prefix: byId("prefix", HTMLInputElement),
    summary: byId("summary", HTMLSpanElement),
    table: byId("rooms-table", HTMLTableElement),
    roomsBody: byId("rooms-body", HTMLTableSectionElement),
    roomsEmpty: byId("rooms-empty", HTMLParagraphElement),

    panel: byId("room-panel", HTMLElement),
    panelRoom: byId("panel-room", HTMLSpanElement),
    panelClose: byId("panel-close", HTMLButtonElement),
    charts: byId("charts", HTMLDivElement),
    panelCount: byId("panel-count", HTMLSpanElement),
    panelNote: byId("panel-note", HTMLParagraphElement),
    members: byId("admin-members", HTMLUListElement),
  };
}
