// UTF-8 sizes of text frames and bodies: what the room compares with MAX_MESSAGE_BYTES.

const encoder = new TextEncoder();

/**
 * A UTF-16 unit is 1–3 UTF-8 bytes (a surrogate pair, 2 units, is 4 bytes), so `length > limit` is
 * certainly over and `3 * length <= limit` certainly within; only the band in between is encoded.
 */
export function utf8Exceeds(s: string, limit: number): boolean {
  if (s.length > limit) return true;
  if (3 * s.length <= limit) return false;
  return encoder.encode(s).byteLength > limit;
}

/** UTF-8 length of a string in bytes. */
export function utf8Length(s: string): number {
  return encoder.encode(s).byteLength;
}
