// Sending to sockets that may be closing underneath us.
import type { ErrorFrame, FrameErrorCode } from "../../shared/protocol.ts";
import { flowOf } from "./send-budget.ts";

export function isOpen(ws: WebSocket): boolean {
  return ws.readyState === WebSocket.OPEN;
}

/** Sends one frame, counted against the socket's send budget (send-budget.ts) when its room keeps one. */
export function trySend(ws: WebSocket, frame: string | ArrayBuffer): void {
  // A socket closing underneath us would throw: skip it without paying for the exception (a mass
  // close sends each departure to every socket still in the room).
  if (ws.readyState !== WebSocket.OPEN) return;
  const flow = flowOf(ws);
  if (flow?.over) return; // too far behind: its close is on the way
  try {
    ws.send(frame);
  } catch {
    return; // closing underneath us: its close handler announces the departure
  }
  if (flow) flow.budget.sent(ws, flow, typeof frame === "string" ? frame.length : frame.byteLength);
}

/** An `error` frame: the frame was refused, the connection stays open. */
export function sendError(ws: WebSocket, code: FrameErrorCode, message: string, id?: string): void {
  const frame: ErrorFrame = { type: "error", code, message, ...(id !== undefined ? { id } : {}) };
  trySend(ws, JSON.stringify(frame));
}
