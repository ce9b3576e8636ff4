import type { Identity } from "../server/identity.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult, RoomBackend } from "../server/room-rpc.ts";
import type { RoomcastVars } from "../server/settings.ts";
import { errorResponse } from "../shared/errors.ts";
import type { KickResult, RoomInfo, UserRef } from "../shared/protocol.ts";
import { DirectoryReporter, type DirectoryVars, type Snapshot } from "./directory/report.ts";
import type { Faults } from "./log/group-commit.ts";
import { MessageLog } from "./log/message-log.ts";
import { RoomPresence } from "./presence/presence.ts";
import { CommitOutbox } from "./sockets/fanout.ts";
import type { HostOwner } from "./sockets/host-owner.ts";
import { SocketHost } from "./sockets/socket-host.ts";
import { SocketObject } from "./sockets/socket-object.ts";

export type { Faults };

export class Room extends SocketObject<RoomcastVars & DirectoryVars> implements RoomBackend {
  protected readonly host: SocketHost;
  readonly #messages: MessageLog<WebSocket>;
  readonly #presence: RoomPresence;
  /** What the live room directory (GET /rooms) is told about this room. */
  readonly #directory: DirectoryReporter;
  /** A commit's messages, delivered together at the end of the turn that wrote them. */
  readonly #outbox = new CommitOutbox((messages) => this.host.deliver(messages));

  constructor(ctx: DurableObjectState, env: RoomcastVars & DirectoryVars) {
    super(ctx, env);
    const settings = this.settings;
    this.#directory = new DirectoryReporter(env, settings, this.log, () => this.#snapshot());
    this.host = new SocketHost(
      ctx,
      settings,
      this.log,
      this.#owner(),
      this.hostOptions({ listed: settings.presenceLimit, where: (room) => `room '${room}'` }),
    );
    const onPublish = this.roomHooks()?.onPublish;
    this.#messages = new MessageLog<WebSocket>(ctx.storage, settings, this.log, {
      written: (_seq, frame, except) => {
        this.metrics.published();
        this.#outbox.add(frame, except);
      },
      durable: () => {
        this.metrics.committed();
        this.#directory.changed(this.host.index.size > 0);
      },
      onPublish: onPublish && ((room, message) => onPublish(message, this.context(room))),
      events: this.events,
    });
    this.#presence = new RoomPresence(() => this.host.index, settings.presenceLimit, {
      now: () => Date.now(),
      later: (fn, ms) => setTimeout(fn, ms),
    });
  }

  /** @internal Test seam of the room's log (storage failures, held flushes). */
  get faults(): Faults {
    return this.#messages.faults;
  }

  // ---- entry points ----

  /** The upgrade, forwarded by the worker with the identity it verified. */
  override fetch(req: Request): Promise<Response> {
    return this.metrics.admitted(() => this.host.admit(req));
  }

  // ---- RPC from the worker (RoomBackend) ----

  info(room: string): RoomInfo {
    this.host.name = room;
    const index = this.host.index;
    return {
      room,
      ...this.#messages.head(),
      connections: index.size,
      members: index.members(this.settings.presenceLimit),
      membersTotal: index.userCount,
    };
  }

  history(room: string, q: HistoryQuery, user: string): HistoryAnswer {
    this.host.name = room;
    return this.#messages.page(room, q, user);
  }

  publish(room: string, from: UserRef, data: unknown, id?: string): Promise<HttpPublishResult> {
    this.host.name = room;
    return this.#messages.publishHttp(room, { from, data, id });
  }

  kick(room: string, user: string, banSeconds: number, reason: string | undefined): Promise<KickResult> {
    this.host.name = room;
    return this.#messages.kick(room, user, banSeconds, reason, (why) => this.host.kick(user, why));
  }

  banned(room: string, user: string): string | null {
    this.host.name = room;
    return this.#messages.banned(room, user);
  }

  ban(room: string, user: string, banSeconds: number, reason: string | undefined): void {
    this.host.name = room;
    this.#messages.ban(user, banSeconds, reason);
  }

  protected override directTo(userId: string, text: string): number {
    return this.host.toUser(userId, text);
  }

  publishAsServer(room: string, data: unknown): Promise<{ seq: number }> {
    return this.#messages.publishAsServer(room, data);
  }

  protected override describe() {
    const room = this.host.name;
    return room === undefined
      ? null
      : ({ room, source: "room", shard: null, sockets: this.host.index.size } as const);
  }

  /** The room as the directory lists it; null until a request has named it. */
  #snapshot(): Snapshot | null {
    const room = this.host.name;
    if (room === undefined) return null;
    const index = this.host.index;
    return {
      room,
      sockets: index.size,
      users: index.userCount,
      seq: this.#messages.seq,
      messagesLastMinute: this.#messages.messagesLastMinute(Date.now()),
      sharded: false,
    };
  }

  // ---- what the host asks of a plain room ----

  #owner(): HostOwner {
    const refusal = (who: Identity) => {
      const banned = this.#messages.banned(who.room, who.id);
      return banned === null ? null : errorResponse(403, "banned", banned);
    };
    return {
      refusal,
      plan: (who, resume) => {
        const refused = refusal(who);
        if (refused !== null) return refused;
        const { replayAfter, gap } = this.#messages.plan(resume);
        return {
          epoch: this.#messages.epoch,
          seq: this.#messages.seq,
          gap,
          elsewhere: 0,
          replay:
            replayAfter === null
              ? null
              : (send) => this.#messages.replay(replayAfter, this.metrics.replaying(send)),
        };
      },
      publish: (ws, _state, p, bytes) => this.#messages.publish(this.host.name ?? "", p, ws, bytes),
      binary: (ws, _state, data) => this.host.broadcast(data, ws),
      signal: (ws, _state, text, to) => {
        if (to !== undefined) this.host.toUser(to, text);
        else this.host.broadcast(text, ws);
      },
      direct: (to, text) => this.host.toUser(to, text),
      connected: (ws, state, first, batch) => {
        if (batch) this.#presence.welcomed(ws);
        if (first) this.#presence.announce("join", { id: state.userId, name: state.name }, ws);
        this.#directory.changed(true);
      },
      disconnected: (ws, state, last) => {
        if (last) this.#presence.announce("leave", { id: state.userId, name: state.name }, ws);
        this.#directory.changed(this.host.index.size > 0);
      },
      stateChanged: (user, value, ws) => this.#presence.updated(user, value, ws),
      alarmAt: () => this.#directory.heartbeatAt(),
      alarmed: () => this.#directory.tick(),
    };
  }
}
