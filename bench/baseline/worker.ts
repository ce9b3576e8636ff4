// The bench baseline: a bare hibernatable broadcast Durable Object. No auth, no storage, no presence:
// every frame goes as-is to every other socket of the room; `ping` is answered by the runtime.
import { DurableObject } from "cloudflare:workers";

interface BareEnv {
  ROOMS: DurableObjectNamespace<BareRoom>;
}

export class BareRoom extends DurableObject<BareEnv> {
  #stored = false;

  constructor(ctx: DurableObjectState, env: BareEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override fetch(req: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    const query = new URL(req.url).searchParams;
    // `?core=1`: roomcast's per-socket core without its logic (bench/storm-ab.ts): per-room tables and
    // an alarm, a tag, an attachment and a JSON welcome sent from JS.
    const core = query.has("core");
    if (core && !this.#stored) this.#store();
    this.ctx.acceptWebSocket(server, core ? [`u:${crypto.randomUUID()}`] : []);
    if (core) server.serializeAttachment({ conn: crypto.randomUUID(), at: Date.now(), caps: 3 });
    // `?hello=1`: one frame from JS on accept (like roomcast's welcome), to measure what a first send costs.
    if (query.has("hello")) server.send("hello");
    if (core) server.send(JSON.stringify({ type: "welcome", conn: crypto.randomUUID(), members: [] }));
    return new Response(null, { status: 101, webSocket: client });
  }

  #store(): void {
    this.#stored = true;
    const sql = this.ctx.storage.sql;
    sql.exec("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)");
    sql.exec("CREATE TABLE IF NOT EXISTS messages (seq INTEGER PRIMARY KEY, frame TEXT NOT NULL)");
    sql.exec("INSERT OR IGNORE INTO meta VALUES ('epoch', ?)", crypto.randomUUID());
    void this.ctx.storage.setAlarm(Date.now() + 600_000);
  }

  override alarm(): void {
    // only armed by ?core=1; nothing to do
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): void {
    for (const s of this.ctx.getWebSockets()) {
      if (s === ws) continue;
      try {
        s.send(message);
      } catch {
        // closing underneath us
      }
    }
  }

  override webSocketClose(ws: WebSocket, code: number): void {
    try {
      ws.close(code === 1005 || code === 1006 || code === 1015 ? 1000 : code, "");
    } catch {
      // already closed
    }
  }
}

export default {
  fetch(req: Request, env: BareEnv): Response | Promise<Response> {
    const path = new URL(req.url).pathname;
    if (path === "/healthz") return Response.json({ ok: true });
    const m = /^\/rooms\/([A-Za-z0-9._-]{1,64})\/ws$/.exec(path);
    if (m?.[1] === undefined || req.headers.get("upgrade")?.toLowerCase() !== "websocket") {
      return new Response("not found", { status: 404 });
    }
    const room = env.ROOMS.getByName(m[1]);
    // ?core=1: forward a rebuilt request with an identity header, as roomcast's worker does.
    if (!new URL(req.url).searchParams.has("core")) return room.fetch(req);
    const headers: Record<string, string> = { "x-identity": JSON.stringify({ room: m[1], id: "u" }) };
    for (const k of ["upgrade", "connection", "sec-websocket-key", "sec-websocket-version"]) {
      headers[k] = req.headers.get(k) ?? "";
    }
    return room.fetch(`https://room.internal/ws?core=1`, { headers });
  },
} satisfies ExportedHandler<BareEnv>;
