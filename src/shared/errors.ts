// The contract's HTTP error body: built in one place for the worker and the room, read in one place
// for the client library and the CLI.
import { HTTP_ERROR_CODES, type HttpErrorBody, type HttpErrorCode } from "./protocol.ts";

/** `{"error":{"code","message"}}` */
export function errorBody(code: HttpErrorCode, message: string): HttpErrorBody {
  return { error: { code, message } };
}

/** The error body as a JSON Response. */
export function errorResponse(status: number, code: HttpErrorCode, message: string): Response {
  return Response.json(errorBody(code, message), { status });
}

/** Whether `code` is one of the contract's HTTP error codes. */
export function isHttpErrorCode(code: unknown): code is HttpErrorCode {
  return HTTP_ERROR_CODES.some((c) => c === code);
}

/**
 * Reads `{"error":{"code","message"}}` from any parsed JSON, tolerating codes this version does not
 * know; null when the value is not shaped like an error body (a proxy's answer, say).
 */
export function readErrorBody(body: unknown): { code: string; message: string } | null {
  if (typeof body !== "object" || body === null || !("error" in body)) return null;
  const e: unknown = body.error;
  if (typeof e !== "object" || e === null || !("code" in e) || !("message" in e)) return null;
  if (typeof e.code !== "string" || typeof e.message !== "string") return null;
  return { code: e.code, message: e.message };
}

/** The message of a thrown value: an Error's message, anything else as a string. */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
