// The V8 inspector of a `wrangler dev` runtime (its --inspector-port), for bench scripts that profile it
// or read its heap. One connection, calls answered in order of their ids.
import WebSocket from "ws";

export class Inspector {
  #ws: WebSocket;
  #next = 1;
  #pending = new Map<number, (r: unknown) => void>();
  private constructor(ws: WebSocket) {
    this.#ws = ws;
    ws.on("message", (d) => {
      const m = JSON.parse(String(d)) as { id?: number; result?: unknown; error?: unknown };
      if (m.id !== undefined) this.#pending.get(m.id)?.(m.error ? Promise.reject(m.error) : m.result);
    });
  }
  static async open(port: number): Promise<Inspector> {
    const list = (await (await fetch(`http://127.0.0.1:${port}/json`)).json()) as {
      webSocketDebuggerUrl: string;
    }[];
    const url = list[0]?.webSocketDebuggerUrl;
    if (!url) throw new Error(`no inspector target on port ${port}`);
    const ws = new WebSocket(url);
    await new Promise((res, rej) => {
      ws.once("open", res);
      ws.once("error", rej);
    });
    return new Inspector(ws);
  }
  call<T>(method: string, params: object = {}): Promise<T> {
    const id = this.#next++;
    this.#ws.send(JSON.stringify({ id, method, params }));
    return new Promise((res) => this.#pending.set(id, res as (r: unknown) => void));
  }
  close(): void {
    this.#ws.close();
  }
}
