// The bench baseline: a bare hibernatable broadcast Durable Object. No auth, no storage, no presence:
// every frame goes as-is to every other socket of the room; `ping` is answered by the runtime.
import { DurableObject } from "cloudflare:workers";

interface BareEnv {
  ROOMS: DurableObjectNamespace<BareRoom>;
}

export class BareRoom extends DurableObject<BareEnv> {
  constructor(ctx: DurableObjectState, env: BareEnv) {
    super(ctx, env);
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override fetch(req: Request): Response {
    const { 0: client, 1: server } = new WebSocketPair();
    this.ctx.acceptWebSocket(server);
    // `?hello=1`: one frame from JS on accept (like roomcast's welcome), to measure what a first send costs.
    if (new URL(req.url).searchParams.has("hello")) server.send("hello");
    return new Response(null, { status: 101, webSocket: client });
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
    return env.ROOMS.getByName(m[1]).fetch(req);
  },
} satisfies ExportedHandler<BareEnv>;
