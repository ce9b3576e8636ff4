// The contract's HTTP error body, built in one place for the worker and the room.
import type { HttpErrorBody, HttpErrorCode } from "./protocol.ts";

/** `{"error":{"code","message"}}` as a JSON Response. */
export function errorResponse(status: number, code: HttpErrorCode, message: string): Response {
  const body: HttpErrorBody = { error: { code, message } };
  return Response.json(body, { status });
}
