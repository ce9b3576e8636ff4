// The contract's HTTP error body, built in one place for the worker and the room.
import type { HttpErrorBody, HttpErrorCode } from "./protocol.ts";

/** `{"error":{"code","message"}}` */
export function errorBody(code: HttpErrorCode, message: string): HttpErrorBody {
  return { error: { code, message } };
}

/** The error body as a JSON Response. */
export function errorResponse(status: number, code: HttpErrorCode, message: string): Response {
  return Response.json(errorBody(code, message), { status });
}
