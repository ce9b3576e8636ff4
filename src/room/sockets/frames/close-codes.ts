// Which close code to send back when a client closes: the runtime refuses to send reserved codes.
import { CloseCode } from "../../../shared/protocol.ts";

/**
 * The code to reciprocate with. 1005/1006/1015 mean "no code" or "dropped" and cannot be sent: answer
 * 1000. Codes a peer may not use at all (RFC 6455 §7.4) are a protocol error: answer 1002.
 */
export function reciprocalCode(code: number): number {
  if (code === 1005 || code === 1006 || code === 1015) return CloseCode.NORMAL;
  const sendable =
    (code >= 1000 && code <= 1003) || (code >= 1007 && code <= 1014) || (code >= 3000 && code <= 4999);
  return sendable ? code : CloseCode.PROTOCOL_ERROR;
}
