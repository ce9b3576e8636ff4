// A new connection's starting state and its welcome frame. Pure: callers pass `now`.
import type { Identity } from "../../server/identity.ts";
import type { Settings } from "../../server/settings.ts";
import type { Member, WelcomeFrame } from "../../shared/protocol.ts";
import { fullBucket } from "./rate-limit.ts";
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
