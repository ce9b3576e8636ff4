// The load generator's sockets: opened with bounded concurrency and a deadline, each counting the
// bench payloads it receives (alone, inside a roomcast `message`, or several in a `batch`).
import WebSocket from "ws";
import type { Target } from "./targets.ts";

/** A payload the bench publishes: window id, send time (performance.now()), padding to 64 bytes. */
export function payload(window: number): string {
  const head = `{"w":${window},"t":${performance.now().toFixed(3)},"p":"`;
  return `${head}${"x".repeat(Math.max(0, 62 - head.length))}"}`;
}

const PAYLOAD = /"w":(\d+),"t":([0-9.]+)/g;

/** Collects deliveries and latencies for the current window; frames of older windows are ignored. */
export class Recorder {
  window = 0;
  delivered = 0;
  stale = 0;
  lastAt = 0;
  #lat = new Float64Array(1 << 16);
  #n = 0;
  #target = Infinity;
  #reached: (() => void) | null = null;

  /** Starts a new window; counts from zero. */
  begin(window: number): void {
    this.window = window;
    this.delivered = 0;
    this.stale = 0;
    this.lastAt = 0;
    this.#n = 0;
    this.#target = Infinity;
  }

  /** Resolves once `expected` deliveries arrived, or after `ms`; true if they all did. */
  until(expected: number, ms: number): Promise<boolean> {
    if (this.delivered >= expected) return Promise.resolve(true);
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.#reached = null;
        resolve(false);
      }, ms);
      this.#target = expected;
      this.#reached = () => {
        clearTimeout(timer);
        this.#reached = null;
        resolve(true);
      };
    });
  }

  frame(text: string): void {
    const now = performance.now();
    for (const m of text.matchAll(PAYLOAD)) {
      if (Number(m[1]) !== this.window) {
        this.stale++;
        continue;
      }
      if (this.#n === this.#lat.length) {
        const bigger = new Float64Array(this.#lat.length * 2);
        bigger.set(this.#lat);
        this.#lat = bigger;
      }
      this.#lat[this.#n++] = now - Number(m[2]);
      this.delivered++;
      this.lastAt = now;
    }
    if (this.delivered >= this.#target) this.#reached?.();
  }

  /** Latency percentiles in ms over this window's deliveries. */
  percentiles(): { p50: number; p95: number; p99: number; max: number } {
    const s = this.#lat.slice(0, this.#n).sort();
    const at = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))] ?? Number.NaN;
    return { p50: at(0.5), p95: at(0.95), p99: at(0.99), max: s[s.length - 1] ?? Number.NaN };
  }
}

export interface SocketSpec {
  room: string;
  user: number;
}

export interface Opened {
  sockets: WebSocket[];
  failures: number;
  /** first error messages, for the report */
  errors: string[];
  seconds: number;
}

/**
 * A protocol-2 `welcome` that carries `synced` (nothing to replay). The server adds `synced` last; a
 * `"` inside a JSON string value is escaped, so this text cannot come from a member's name.
 */
function isSyncedWelcome(text: string): boolean {
  return text.startsWith('{"type":"welcome"') && text.includes(',"synced":{"seq":');
}

/** True for the frame after which a roomcast socket is live: `synced`, or a v2 `welcome` carrying it. */
export function isSyncedFrame(text: string): boolean {
  return text.startsWith('{"type":"synced"') || isSyncedWelcome(text);
}

/**
 * Answers roomcast's send-budget `mark` frames as the client library does (docs/protocol.md, "Slow
 * readers"); a load generator that did not would be closed 4413 after MAX_UNREAD_BYTES. True when
 * `text` was a mark.
 */
export function answerMark(ws: WebSocket, text: string): boolean {
  if (!text.startsWith('{"type":"mark"')) return false;
  ws.send(`{"type":"read","n":${(JSON.parse(text) as { n: number }).n}}`);
  return true;
}

/** Every text frame's mark answered, for scripts that read frames their own way. */
export function answeringMarks(ws: WebSocket): WebSocket {
  ws.on("message", (d, binary) => {
    if (!binary) answerMark(ws, d.toString());
  });
  return ws;
}

/** Opens one socket and resolves when it is ready for traffic (after `synced` for roomcast). */
function openOne(target: Target, url: string, rec: Recorder | null, timeoutMs: number): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url, { perMessageDeflate: false, handshakeTimeout: timeoutMs });
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`not ready within ${timeoutMs} ms`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      ws.send("ping"); // as the contract asks; also keeps local closes prompt
      resolve(ws);
    };
    let synced = target.readyOn === "open";
    ws.on("message", (d, binary) => {
      if (binary) return;
      const text = d.toString();
      if (answerMark(ws, text)) return;
      if (!synced) {
        if (isSyncedFrame(text)) {
          synced = true;
          ready();
        }
        return;
      }
      rec?.frame(text);
    });
    if (target.readyOn === "open") ws.once("open", ready);
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
    ws.once("unexpected-response", (_req, res) => {
      clearTimeout(timer);
      reject(new Error(`HTTP ${res.statusCode}`));
      ws.terminate();
    });
  });
}

/**
 * Opens one roomcast socket at `url` (any protocol version), answers its marks, and resolves once it is
 * live, after sending the first `ping`; for scripts that read frames their own way.
 */
export function joinRoomcast(url: string, timeoutMs = 30_000): Promise<WebSocket> {
  return new Promise((resolve, reject) => {
    const ws = answeringMarks(new WebSocket(url, { perMessageDeflate: false }));
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no synced from ${url} within ${timeoutMs} ms`));
    }, timeoutMs);
    const on = (d: WebSocket.RawData, binary: boolean) => {
      if (binary || !isSyncedFrame(d.toString())) return;
      ws.off("message", on);
      clearTimeout(timer);
      ws.send("ping");
      resolve(ws);
    };
    ws.on("message", on);
    ws.once("error", (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

/** Opens every socket with at most `concurrency` handshakes in flight; failures are counted, not thrown. */
export async function openSockets(
  target: Target,
  specs: SocketSpec[],
  o: { concurrency: number; timeoutMs: number; recorder: Recorder | null },
): Promise<Opened> {
  const sockets: WebSocket[] = new Array(specs.length);
  const errors: string[] = [];
  let failures = 0;
  let next = 0;
  const t0 = performance.now();
  const worker = async () => {
    while (next < specs.length) {
      const i = next++;
      const spec = specs[i] as SocketSpec;
      try {
        sockets[i] = await openOne(
          target,
          await target.socketUrl(spec.room, spec.user),
          o.recorder,
          o.timeoutMs,
        );
      } catch (err) {
        failures++;
        if (errors.length < 5) errors.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(o.concurrency, specs.length) }, worker));
  return {
    sockets: sockets.filter((s) => s !== undefined),
    failures,
    errors,
    seconds: (performance.now() - t0) / 1000,
  };
}

/** Closes every socket with 1000 and waits (bounded) for the closes; stragglers are terminated. */
export async function closeAll(sockets: WebSocket[], timeoutMs = 15_000): Promise<void> {
  const closed = sockets.map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === WebSocket.CLOSED) return resolve();
        ws.once("close", () => resolve());
        ws.close(1000);
      }),
  );
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([Promise.all(closed), new Promise((r) => (timer = setTimeout(r, timeoutMs)))]);
  clearTimeout(timer);
  for (const ws of sockets) if (ws.readyState !== WebSocket.CLOSED) ws.terminate();
}

/** Room `r` of `rooms`, each with `clients` distinct users. */
export function spread(prefix: string, rooms: number, clients: number): SocketSpec[] {
  const out: SocketSpec[] = [];
  for (let r = 0; r < rooms; r++) {
    for (let c = 0; c < clients; c++) out.push({ room: `${prefix}-${r}`, user: r * clients + c });
  }
  return out;
}
