// Whether a string's UTF-8 encoding exceeds a byte limit, without encoding it when the answer is clear.

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
