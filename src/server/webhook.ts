// webhookConsumer(): a Queue consumer that POSTs each batch of room events to a webhook, signed, and
// leaves failures to the Queue's own retries and dead-letter queue (docs/events.md).
import { errorMessage } from "../shared/errors.ts";
import { signWebhook } from "../shared/webhook-signature.ts";
import { type RoomEvent, SIGNATURE_HEADER, type WebhookBody } from "./events.ts";

/** A setting given as is, or read from the Worker's env when the batch arrives (secrets live there). */
export type FromEnv<E, T> = T | ((env: E) => T | undefined);

export interface WebhookConsumerOptions<E = unknown> {
  /** The receiver's URL, e.g. `(env) => env.WEBHOOK_URL`. */
  url: FromEnv<E, string>;
  /** The HMAC-SHA256 key the receiver verifies with, e.g. `(env) => env.WEBHOOK_SECRET`. */
  secret: FromEnv<E, string>;
  /** Give up on one POST after this long and retry the batch (default 10,000 ms). */
  timeoutMs?: number;
  /** Upper bound of the retry delay (default 300 s; Queues accepts up to 43,200). */
  maxDelaySeconds?: number;
  /**
   * Sends the request (default the global `fetch`). A service binding's `fetch` delivers to another
   * Worker without leaving Cloudflare.
   */
  fetch?: (request: Request, env: E) => Promise<Response>;
}

/** A queue handler: `export default { fetch: app.fetch, queue: webhookConsumer({ … }) }`. */
export type WebhookQueueHandler<E> = (
  batch: MessageBatch<RoomEvent>,
  env: E,
  ctx: ExecutionContext,
) => Promise<void>;

/** Thrown when the URL or secret is missing or invalid: a misconfiguration, not a failed delivery. */
export class WebhookConfigError extends Error {
  override name = "WebhookConfigError";
}

/**
 * The delay before the next delivery of a batch that failed on its `attempts`-th try: 2^attempts s
 * capped at `maxSeconds`, with jitter (between half and all of it) so retries of many batches spread.
 */
export function retryDelaySeconds(attempts: number, maxSeconds: number, random: number): number {
  const full = Math.min(maxSeconds, 2 ** Math.max(1, Math.min(attempts, 30)));
  return Math.max(1, Math.round(full / 2 + (full / 2) * random));
}

function resolve<E>(setting: FromEnv<E, string>, env: E, what: string): string {
  const value = typeof setting === "function" ? setting(env) : setting;
  if (typeof value !== "string" || value.trim() === "")
    throw new WebhookConfigError(`webhookConsumer: the webhook ${what} is missing`);
  return value;
}

function checkedUrl(raw: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new WebhookConfigError("webhookConsumer: the webhook url is not a URL");
  }
  if (url.protocol !== "https:" && url.protocol !== "http:")
    throw new WebhookConfigError(`webhookConsumer: the webhook url must be http(s), got ${url.protocol}`);
  return url;
}

/**
 * A Queue consumer for the `ROOM_EVENTS` queue: POSTs each batch as one JSON {@link WebhookBody}
 * (events in batch order) with `Content-Type: application/json` and a `Roomcast-Signature` header.
 * A 2xx acks the batch; anything else (or a network error or timeout) retries the whole batch with
 * exponential backoff through the Queue, so `max_retries` and `dead_letter_queue` apply. One JSON
 * log line per failure; never the secret, never the URL's path or query.
 *
 * @example
 * export default {
 *   fetch: app.fetch,
 *   queue: webhookConsumer<Env>({ url: (env) => env.WEBHOOK_URL, secret: (env) => env.WEBHOOK_SECRET }),
 * };
 */
export function webhookConsumer<E = unknown>(options: WebhookConsumerOptions<E>): WebhookQueueHandler<E> {
  // Literal settings are checked now, so a typo fails at startup rather than on the first batch.
  if (typeof options.url === "string") checkedUrl(resolve(options.url, undefined as E, "url"));
  if (typeof options.secret === "string") resolve(options.secret, undefined as E, "secret");
  const timeoutMs = options.timeoutMs ?? 10_000;
  const maxDelaySeconds = options.maxDelaySeconds ?? 300;
  const send = options.fetch ?? ((request: Request) => fetch(request));

  return async (batch, env) => {
    if (batch.messages.length === 0) return;
    const url = checkedUrl(resolve(options.url, env, "url"));
    const secret = resolve(options.secret, env, "secret");
    const body = JSON.stringify({ events: batch.messages.map((m) => m.body) } satisfies WebhookBody);
    const signature = await signWebhook(secret, body, Math.floor(Date.now() / 1000));
    const request = new Request(url, {
      method: "POST",
      headers: { "content-type": "application/json", [SIGNATURE_HEADER]: signature },
      body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    let failure: { status: number } | { error: string };
    try {
      const res = await send(request, env);
      // Read (and drop) the body so the connection is released either way.
      await res.body?.cancel();
      if (res.ok) {
        batch.ackAll();
        return;
      }
      failure = { status: res.status };
    } catch (err) {
      failure = { error: errorMessage(err) };
    }
    const attempts = Math.max(1, ...batch.messages.map((m) => m.attempts));
    const delaySeconds = retryDelaySeconds(attempts, maxDelaySeconds, Math.random());
    console.warn(
      JSON.stringify({
        event: "webhook_failed",
        queue: batch.queue,
        origin: url.origin,
        messages: batch.messages.length,
        attempts,
        ...failure,
        retryInSeconds: delaySeconds,
      }),
    );
    batch.retryAll({ delaySeconds });
  };
}
