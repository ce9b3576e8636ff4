// Node transport for the client library and the HTTP commands: `ws` sockets and a small fetch over node:http(s),
// both honouring --insecure (self-signed certificates), and remembering the last low-level error.
import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";
import WebSocket from "ws";
import type { WebSocketFactory, WebSocketLike } from "../../client/types.ts";

/** How the CLI reaches the worker. */
export interface NodeTransport {
  createWebSocket: WebSocketFactory;
  fetch: typeof fetch;
  /** The last socket or HTTP failure (TLS, DNS, refused, unexpected status), to explain a failed connect. */
  lastError(): Error | null;
}

export interface TransportOptions {
  /** Accept certificates that do not verify (self-signed dev servers). */
  insecure: boolean;
  /** Handshake and HTTP timeout in ms (default 10 000). */
  timeoutMs?: number;
}

// Bodies for these statuses must be null, or `new Response` throws.
const NULL_BODY = new Set([204, 205, 304]);

/** Builds the `ws` socket factory and fetch for one CLI run. */
export function nodeTransport(opts: TransportOptions): NodeTransport {
  const timeout = opts.timeoutMs ?? 10_000;
  let last: Error | null = null;

  const createWebSocket: WebSocketFactory = (url) => {
    const ws = new WebSocket(url, { rejectUnauthorized: !opts.insecure, handshakeTimeout: timeout });
    ws.on("error", (err: Error) => (last = err));
    return ws satisfies WebSocketLike;
  };

  // Node's own fetch (undici) cannot skip certificate checks per request without undici's Agent,
  // which is not a dependency: the CLI only needs GET/POST with string bodies, so node:https will do.
  const fetchImpl = (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const req = input instanceof Request ? input : null;
    const url = new URL(input instanceof Request ? input.url : input instanceof URL ? input.href : input);
    const method = init?.method ?? req?.method ?? "GET";
    const headers = new Headers(init?.headers ?? req?.headers);
    const body = init?.body;
    if (body !== undefined && body !== null && typeof body !== "string") {
      return Promise.reject(new TypeError("roomcast's fetch only sends string bodies"));
    }
    if (typeof body === "string") headers.set("content-length", String(Buffer.byteLength(body)));
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<Response>((resolve, reject) => {
      const fail = (err: Error) => {
        last = err;
        reject(err);
      };
      const r = send(
        url,
        {
          method,
          headers: Object.fromEntries(headers),
          rejectUnauthorized: !opts.insecure,
          timeout,
          ...(init?.signal ? { signal: init.signal } : {}),
        },
        (res: IncomingMessage) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", fail);
          res.on("end", () => {
            const status = res.statusCode ?? 0;
            if (status < 200 || status > 599)
              return fail(new Error(`unexpected HTTP status ${status} from ${url.origin}`));
            const out = new Headers();
            for (const [k, v] of Object.entries(res.headers)) {
              if (v !== undefined) out.set(k, Array.isArray(v) ? v.join(", ") : v);
            }
            const payload = NULL_BODY.has(status) || method === "HEAD" ? null : Buffer.concat(chunks);
            resolve(new Response(payload, { status, statusText: res.statusMessage ?? "", headers: out }));
          });
        },
      );
      r.on("timeout", () => r.destroy(new Error(`no answer from ${url.origin} within ${timeout} ms`)));
      r.on("error", fail);
      r.end(body ?? undefined);
    });
  };

  return { createWebSocket, fetch: fetchImpl, lastError: () => last };
}

// Certificate failures worth a hint about --insecure.
const CERT_CODES = new Set([
  "DEPTH_ZERO_SELF_SIGNED_CERT",
  "SELF_SIGNED_CERT_IN_CHAIN",
  "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
  "UNABLE_TO_GET_ISSUER_CERT_LOCALLY",
  "ERR_TLS_CERT_ALTNAME_INVALID",
  "CERT_HAS_EXPIRED",
]);

/** A one-line explanation of a low-level error, with a hint for certificate problems. */
export function describeTransportError(err: Error): string {
  const code = "code" in err && typeof err.code === "string" ? err.code : "";
  if (CERT_CODES.has(code)) return `${err.message} (use --insecure to accept a self-signed certificate)`;
  return err.message;
}
