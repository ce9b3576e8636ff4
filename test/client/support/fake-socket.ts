// Unit-test doubles for the client's platform edges: a scripted WebSocket factory and a fake fetch.

import type { WebSocketLike } from "../../../src/client/types.ts";
import type { Member, WelcomeFrame } from "../../../src/shared/protocol.ts";

/** A WebSocket the test drives from the "server" side. */
export class FakeSocket implements WebSocketLike {
  readyState = 0;
  binaryType = "blob";
  readonly sent: (string | ArrayBufferLike | ArrayBufferView)[] = [];
  closedWith: { code?: number; reason?: string } | null = null;
  onopen: WebSocketLike["onopen"] = null;
  onmessage: WebSocketLike["onmessage"] = null;
  onclose: WebSocketLike["onclose"] = null;
  onerror: WebSocketLike["onerror"] = null;
  readonly url: URL;

  constructor(url: string) {
    this.url = new URL(url);
  }

  send(data: string | ArrayBufferLike | ArrayBufferView): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(data);
  }

  close(code?: number, reason?: string): void {
    this.closedWith = { code, reason };
    if (this.readyState >= 2) return;
    this.readyState = 2;
    // Like a browser: the close event comes later, after the closing handshake.
    queueMicrotask(() => this.serverClose(code ?? 1005, reason ?? ""));
  }

  /** Text frames the client sent, JSON-parsed (`ping` stays a string). */
  frames(): unknown[] {
    return this.sent.filter((d) => typeof d === "string").map((d) => (d === "ping" ? d : JSON.parse(d)));
  }

  /** Publish frames the client sent. */
  publishes(): { type: "publish"; id: string; data: unknown }[] {
    return this.frames().filter(
      (f): f is { type: "publish"; id: string; data: unknown } =>
        typeof f === "object" && f !== null && "type" in f && f.type === "publish",
    );
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  receive(frame: unknown): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }

  receiveRaw(data: unknown): void {
    this.onmessage?.({ data });
  }

  serverClose(code: number, reason = ""): void {
    if (this.readyState === 3) return;
    this.readyState = 3;
    this.onclose?.({ code, reason, wasClean: code !== 1006 });
  }

  /** The upgrade was refused or the network failed: browsers see error + 1006, never open. */
  fail(): void {
    this.onerror?.({});
    this.serverClose(1006);
  }

  /** Opens, welcomes and syncs, like the room does on every connection. */
  accept(
    over: Partial<WelcomeFrame> = {},
    synced: { seq?: number; replayed?: number; gap?: boolean; more?: boolean; next?: number } = {},
  ): void {
    const w = welcome(over);
    this.open();
    this.receive(w);
    this.receive({
      type: "synced",
      seq: synced.seq ?? w.seq,
      replayed: synced.replayed ?? 0,
      gap: synced.gap ?? false,
      more: synced.more ?? false,
      ...(synced.next !== undefined ? { next: synced.next } : {}),
    });
  }
}

export const ANN: Member = { id: "ann", name: "Ann", connections: 1, state: null };

export function welcome(over: Partial<WelcomeFrame> = {}): WelcomeFrame {
  return {
    type: "welcome",
    room: "lobby",
    epoch: "e1",
    seq: 0,
    connectionId: "c1",
    user: { id: "ann", name: "Ann" },
    members: [ANN],
    limits: { maxMessageBytes: 1000, idleTimeoutSeconds: 60, ratePerSecond: 20 },
    ...over,
    membersTotal: over.membersTotal ?? (over.members ?? [ANN]).length,
  };
}

export function message(seq: number, data: unknown = seq, from = { id: "bob", name: "Bob" }, id?: string) {
  return { type: "message", seq, from, data, ts: 1, ...(id === undefined ? {} : { id }) };
}

/** A factory that records every socket it creates. */
export function socketFactory(): {
  create: (url: string) => FakeSocket;
  sockets: FakeSocket[];
  last(): FakeSocket;
} {
  const sockets: FakeSocket[] = [];
  return {
    sockets,
    create: (url) => {
      const s = new FakeSocket(url);
      sockets.push(s);
      return s;
    },
    last() {
      const s = sockets.at(-1);
      if (!s) throw new Error("no socket was created");
      return s;
    },
  };
}

/** A fetch answering `/auth/check` with a fixed status and body; records the requests. */
export function fakeFetch(
  status: number,
  body: unknown,
): { fetch: typeof fetch; calls: { url: string; auth: string | null }[] } {
  const calls: { url: string; auth: string | null }[] = [];
  const fn: typeof fetch = async (input, init) => {
    calls.push({ url: String(input), auth: new Headers(init?.headers).get("authorization") });
    return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
  };
  return { fetch: fn, calls };
}
