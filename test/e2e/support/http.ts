// HTTP helpers over Node's fetch: JSON bodies and the contract's error shape.
import { expect } from "vitest";

export interface JsonResponse {
  status: number;
  contentType: string;
  text: string;
  body: unknown;
}

/** fetch + read the body, parsed as JSON when it is JSON. */
export async function request(
  url: string,
  init: RequestInit & { token?: string } = {},
): Promise<JsonResponse> {
  const headers = new Headers(init.headers);
  if (init.token !== undefined) headers.set("authorization", `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers, signal: AbortSignal.timeout(10_000) });
  const text = await res.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // not JSON: keep the text so assertions show it
  }
  return { status: res.status, contentType: res.headers.get("content-type") ?? "", text, body };
}

/** Asserts the contract's HTTP error: status, `{"error":{"code","message"}}`, JSON content type. */
export function expectHttpError(
  res: { status: number; body: unknown; contentType: string },
  status: number,
  code: string,
  what = "",
): void {
  const seen = `${what} → HTTP ${res.status} ${JSON.stringify(res.body)}`;
  expect({ status: res.status, code: errorCode(res.body) }, seen).toEqual({ status, code });
  expect(res.body, seen).toEqual({ error: { code, message: expect.any(String) } });
  expect(res.contentType, `${seen} content-type`).toMatch(/application\/json/);
}

/** `body.error.code` if present. */
export function errorCode(body: unknown): unknown {
  if (body && typeof body === "object" && "error" in body) {
    const e = (body as { error: unknown }).error;
    if (e && typeof e === "object" && "code" in e) return (e as { code: unknown }).code;
  }
  return undefined;
}
