// The partyserver peer for the bench: hibernatable, every frame to every other connection of the room.
// Reached at /parties/rooms/<room> (routePartykitRequest: the binding `Rooms` is the party `rooms`).
import { type Connection, routePartykitRequest, Server, type WSMessage } from "partyserver";

// partyserver types its env as the project's generated `Env` (roomcast's bindings); this Worker has
// only `Rooms`, which routePartykitRequest finds by name at run time.
type PartyEnv = Cloudflare.Env;

export class PartyRoom extends Server {
  static override options = { hibernate: true };

  override onStart(): void {
    // Like the bare DO and roomcast: `ping` is answered by the runtime without waking the room.
    this.ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair("ping", "pong"));
  }

  override onMessage(connection: Connection, message: WSMessage): void {
    this.broadcast(message, [connection.id]);
  }
}

export default {
  async fetch(req: Request, env: PartyEnv): Promise<Response> {
    if (new URL(req.url).pathname === "/healthz") return Response.json({ ok: true });
    return (await routePartykitRequest(req, env)) ?? new Response("not found", { status: 404 });
  },
} satisfies ExportedHandler<PartyEnv>;
