// A WebSocketLike for tests in the Workers runtime: opens through the real worker, with a network-drop switch.
import { exports } from "cloudflare:workers";
import type { WebSocketLike } from "../../../src/client/types.ts";

/**
 * The client's factory must be synchronous, but sockets through `exports.default.fetch` open
 * asynchronously: this adapter behaves like a browser socket in CONNECTING state until the upgrade
 * resolves. `gate` holds the upgrade back (to keep a client disconnected while the test acts).
 */
export class WorkerSocket implements WebSocketLike {
  readyState = 0;
  binaryType = "arraybuffer";
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  /** Called after every frame the client sends (e.g. to drop the connection right after a publish). */
  afterSend: ((data: unknown) => void) | null = null;
  readonly url: URL;
  private ws: WebSocket | null = null;
  private done = false;

  constructor(url: string, gate?: Promise<void>) {
    this.url = new URL(url);
    void this.start(url, gate);
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (!this.ws || this.readyState !== 1) throw new Error("WorkerSocket is not open");
    if (typeof data === "string" || data instanceof ArrayBuffer || ArrayBuffer.isView(data))
      this.ws.send(data);
    else throw new Error("WorkerSocket cannot send a SharedArrayBuffer");
    this.afterSend?.(data);
  }

  close(code?: number, reason?: string): void {
    if (this.readyState >= 2) return;
    this.readyState = 2;
    if (this.ws) this.ws.close(code, reason);
    else queueMicrotask(() => this.finish(1006, "closed while connecting"));
  }

  /** A network drop: the client sees 1006 now; the server gets an ordinary close and forgets the socket. */
  drop(): void {
    const ws = this.ws;
    this.finish(1006, "");
    ws?.close(1000, "test drop");
  }

  private async start(url: string, gate: Promise<void> | undefined): Promise<void> {
    await gate;
    // The worker is called directly, not over the network: give it an http URL.
    const httpUrl = url.replace(/^ws/, "http");
    let res: Response;
    try {
      res = await exports.default.fetch(httpUrl, { headers: { Upgrade: "websocket" } });
    } catch {
      return this.fail();
    }
    const ws = res.webSocket;
    if (!ws) {
      await res.body?.cancel();
      return this.fail();
    }
    ws.binaryType = "arraybuffer";
    ws.accept();
    if (this.done || this.readyState >= 2) {
      ws.close(1000, "closed while connecting");
      return;
    }
    ws.addEventListener("message", (e) => {
      if (!this.done) this.onmessage?.({ data: e.data });
    });
    ws.addEventListener("close", (e) => this.finish(e.code, e.reason));
    this.ws = ws;
    this.readyState = 1;
    this.onopen?.({});
  }

  /** Like a browser: a refused upgrade is an error event and a 1006 close, no status code. */
  private fail(): void {
    this.onerror?.({});
    this.finish(1006, "");
  }

  private finish(code: number, reason: string): void {
    if (this.done) return;
    this.done = true;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }
}

/** A factory that records its sockets and can hold new upgrades back until `release()`. */
export function workerSockets() {
  const sockets: WorkerSocket[] = [];
  let gate: Promise<void> | undefined;
  let open: (() => void) | undefined;
  return {
    sockets,
    create: (url: string): WorkerSocket => {
      const s = new WorkerSocket(url, gate);
      sockets.push(s);
      return s;
    },
    last(): WorkerSocket {
      const s = sockets.at(-1);
      if (!s) throw new Error("no socket was created");
      return s;
    },
    hold(): void {
      gate = new Promise((resolve) => {
        open = resolve;
      });
    },
    release(): void {
      open?.();
      gate = undefined;
    },
  };
}
