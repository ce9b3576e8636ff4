// Admission: the caps, a new connection's starting state and its welcome frame. Pure: callers pass `now`.
import type { Identity } from "../../server/identity.ts";
import type { Settings } from "../../server/settings.ts";
import { errorResponse } from "../../shared/errors.ts";
import type { Member, WelcomeFrame } from "../../shared/protocol.ts";
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

export function welcomeFrame(
  who: Identity,
  state: SocketState,
  room: { epoch: string; seq: number; members: Member[]; membersTotal: number },
  settings: Settings,
): WelcomeFrame {
  return {
    type: "welcome",
    room: who.room,
    epoch: room.epoch,
    seq: room.seq,
    connectionId: state.connectionId,
    user: { id: who.id, name: who.name },
    members: room.members,
    membersTotal: room.membersTotal,
    limits: {
      maxMessageBytes: settings.maxMessageBytes,
      idleTimeoutSeconds: settings.idleTimeoutSeconds,
      ratePerSecond: settings.ratePerSecond,
    },
  };
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
