// The platform entry points of an object that holds sockets (a Room, a RoomShard): thin calls into its
// socket host, so both kinds of room answer the runtime the same way.
import type { RoomcastVars } from "../../server/settings.ts";
import { PING, PONG } from "../../shared/protocol.ts";
import type { RoomContext } from "../hooks/hooks.ts";
import { RoomObject } from "../room-object.ts";
import type { HostOptions } from "./host-owner.ts";
import type { SocketHost } from "./socket-host.ts";
import type { SocketState } from "./socket-state.ts";

export abstract class SocketObject<E extends RoomcastVars> extends RoomObject<E> {
  protected abstract readonly host: SocketHost;

  constructor(ctx: DurableObjectState, env: E) {
    super(ctx, env);
    // Answered by the runtime without waking the object; its timestamp counts as activity.
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(PING, PONG));
  }

  override webSocketMessage(ws: WebSocket, message: string | ArrayBuffer): Promise<void> {
    return this.host.message(ws, message);
  }

  override webSocketClose(ws: WebSocket, code: number, reason: string): void {
    this.host.closed(ws, code, reason);
  }

  override webSocketError(ws: WebSocket, error: unknown): void {
    this.host.errored(ws, error);
  }

  override alarm(): Promise<void> {
    return this.host.alarm();
  }

  /** The host's options: the room's own (`listed`, `where`, log fields), with the hooks and events. */
  protected hostOptions(own: Pick<HostOptions, "listed" | "where" | "logFields">): HostOptions {
    return {
      ...own,
      secret: this.env.AUTH_SECRET,
      hooks: () => {
        const hooks = this.roomHooks();
        return hooks && { ...hooks, context: (room: string) => this.context(room) as RoomContext };
      },
      events: this.events,
      metrics: this.metrics,
      hookTimeoutMs: this.settings.hookTimeoutMs,
    };
  }

  /** @internal Test seam: while `gate` is pending, upgrades wait after their plan (null releases). */
  holdJoins(gate: Promise<void> | null): void {
    this.host.holdJoins = gate;
  }

  /** @internal Upgrades waiting for their plan (for tests). */
  joining(): number {
    return this.host.joining;
  }

  /** @internal The live sockets and their in-memory state (for tests that age a socket). */
  liveSockets(): [WebSocket, SocketState][] {
    return this.host.liveSockets();
  }
}
