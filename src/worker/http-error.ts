// One error type for every HTTP failure; `onError` in app.ts turns it into the contract's JSON shape.
import type { HttpErrorCode } from "../shared/protocol.ts";

/**
 * An HTTP failure with the contract's status and code. `cause` keeps the underlying error for logs
 * (as hono's HTTPException does); it never reaches the client.
 */
export class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 422 | 426 | 429 | 500 | 503;
  readonly code: HttpErrorCode;
  /** Seconds for a `Retry-After` header (503s the client should retry). */
  readonly retryAfter: number | undefined;
  constructor(
    status: HttpError["status"],
    code: HttpErrorCode,
    message: string,
    options: { retryAfter?: number; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
    this.retryAfter = options.retryAfter;
  }
}
