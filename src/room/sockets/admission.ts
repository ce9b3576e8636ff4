// Admission: the caps, a new connection's starting state and its welcome frame. Pure: callers pass `now`.
import type { Identity } from "../../server/identity.ts";
import type { Settings } from "../../server/settings.ts";
import { errorResponse } from "../../shared/errors.ts";
import type { Limits, WelcomeFrame } from "../../shared/protocol.ts";
import { fullBucket } from "./frames/rate-limit.ts";
import type { SocketIndex } from "./socket-index.ts";
import type { SocketState } from "./socket-state.ts";

export function newSocketState(who: Identity, settings: Settings, now: number): SocketState {
  const bucket = fullBucket(settings.ratePerSecond, now);
  return {
    connectionId: crypto.randomUUID(),
    room: who.room,
    userId: who.id,
    name: who.name,
    capabilities: who.capabilities,
    exp: who.exp * 1000,
    seen: now,
    tokens: bucket.tokens,
    refilledAt: bucket.at,
    refused: 0,
    ...(who.auth === "custom" ? { auth: "custom" as const } : {}),
  };
}

/** The `limits` of every welcome of a host, serialised once (the settings do not change). */
export function limitsJson(settings: Settings): string {
  const limits: Limits = {
    maxMessageBytes: settings.maxMessageBytes,
    idleTimeoutSeconds: settings.idleTimeoutSeconds,
    ratePerSecond: settings.ratePerSecond,
  };
  return JSON.stringify(limits);
}

/**
 * The `welcome` frame, serialised. The member list (`membersJson`, from SocketIndex.membersJson) and
 * the limits (`limitsJson`) come in serialised: a connect storm appends to the kept list instead of
 * rebuilding and serialising it per connect.
 */
export function welcomeText(
  who: Identity,
  state: SocketState,
  room: { epoch: string; seq: number; membersJson: string; membersTotal: number },
  limitsJson: string,
  synced?: WelcomeFrame["synced"],
): string {
  const head: Pick<WelcomeFrame, "type" | "room" | "epoch" | "seq" | "connectionId" | "user"> = {
    type: "welcome",
    room: who.room,
    epoch: room.epoch,
    seq: room.seq,
    connectionId: state.connectionId,
    user: { id: who.id, name: who.name },
  };
  const rest = `"members":${room.membersJson},"membersTotal":${room.membersTotal},"limits":${limitsJson}`;
  const tail = synced === undefined ? "" : `,"synced":${JSON.stringify(synced)}`;
  return `${JSON.stringify(head).slice(0, -1)},${rest}${tail}}`;
}

/** The caps of a host (`where` names it): `503 room_full`, `429 too_many_connections`, or null to admit. */
export function capped(
  index: SocketIndex,
  who: Identity,
  settings: Settings,
  where: string,
): Response | null {
  if (index.size >= settings.maxConnectionsPerRoom) {
    return errorResponse(503, "room_full", `${where} already holds ${index.size} connections`);
  }
  if (index.connectionsOf(who.id) < settings.maxConnectionsPerUser) return null;
  return errorResponse(
    429,
    "too_many_connections",
    `user '${who.id}' already holds ${settings.maxConnectionsPerUser} connections in room '${who.room}'`,
  );
}
