// What to do when an opened socket closes, per the contract's close-code table.
import { CloseCode } from "../../shared/protocol.ts";
import { RoomcastError } from "../types.ts";

export type CloseDecision = { action: "reconnect" } | { action: "stop"; error?: RoomcastError };

/**
 * 4403 (kicked or banned): stop for good, the reason is the error's message.
 * 1000: stop. 4429 (flooding): stop, reconnecting would flood again. 4401 (token expired): reconnect
 * with a fresh token if the token source is a function, else stop (a fixed token cannot get better).
 * Everything else (1001, 1006, 1009, 4408, 1011, unknown codes): reconnect and resume. 1009 and 4408
 * reconnect too: the app has not closed the client, so it still wants the room.
 */
export function closeDecision(code: number, reason: string, canRefreshToken: boolean): CloseDecision {
  switch (code) {
    case CloseCode.NORMAL:
      return { action: "stop" };
    case CloseCode.KICKED:
      return {
        action: "stop",
        error: new RoomcastError("kicked", reason || "removed from the room", { closeCode: code }),
      };
    case CloseCode.FLOODING:
      return {
        action: "stop",
        error: new RoomcastError("rate_limited", reason || "closed for flooding", { closeCode: code }),
      };
    case CloseCode.TOKEN_EXPIRED:
      if (canRefreshToken) return { action: "reconnect" };
      return {
        action: "stop",
        error: new RoomcastError("unauthorized", reason || "token expired", { closeCode: code }),
      };
    default:
      return { action: "reconnect" };
  }
}
