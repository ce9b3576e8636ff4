// One error type for every HTTP failure; `onError` in app.ts turns it into the contract's JSON shape.
import type { HttpErrorCode } from "../shared/protocol.ts";

export class HttpError extends Error {
  readonly status: 400 | 401 | 403 | 404 | 413 | 426 | 500 | 503;
  readonly code: HttpErrorCode;
  constructor(status: HttpError["status"], code: HttpErrorCode, message: string) {
    super(message);
    this.name = "HttpError";
    this.status = status;
    this.code = code;
  }
}
