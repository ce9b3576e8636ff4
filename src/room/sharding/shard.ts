// A connection shard of a sharded room: holds some of its sockets and delivers the sequencer's order.
//
// Its sockets live in the same socket host as a Room's (sockets/socket-host.ts): admission, checks,
// close, alarm, kick, refresh and signals are the room's. What is the shard's own: publishes go to the
// sequencer, and what reaches the sockets is the sequencer's pushes, passed through the cursor, so every
// shard delivers the same seqs in the same order, each once. The last delivered seq is stored with the
// delivery, so an evicted or restarted shard carries on where its (hibernated) sockets are.

import { SHARD_HEADER, shardName, shardOf } from "../../server/sharding.ts";
import { errorMessage, errorResponse } from "../../shared/errors.ts";
import { CloseCode } from "../../shared/protocol.ts";
import { CountThrottle } from "../presence/presence-count.ts";
import type { HostOwner, JoinPlan } from "../sockets/host-owner.ts";
import { SocketHost } from "../sockets/socket-host.ts";
import { SocketObject } from "../sockets/socket-object.ts";
import { ShardCursor } from "./cursor.ts";
import type { Committed, Push, ShardAddress, ShardedVars, ShardStats } from "./wire.ts";

/** Most users listed in a shard's welcome or stats; `membersTotal` carries the room's count. */
const LISTED_MEMBERS = 1000;

export class RoomShard extends SocketObject<ShardedVars> {
  protected readonly host: SocketHost;
  readonly #cursor: ShardCursor;
  /** This shard's distinct users go to the sequencer at most once a second, on change (the room's throttle). */
  readonly #reports: CountThrottle;

  /** @internal Test seam: the next N pushes from the sequencer throw (a shard failing for a while). */
  failPushes = 0;
  /** @internal Pushes received, failed ones included (for tests). */
  pushesSeen = 0;

  constructor(ctx: DurableObjectState, env: ShardedVars) {
    super(ctx, env);
    this.#cursor = new ShardCursor(ctx.storage.sql, {
      sequencer: (room) => this.placed(env.SEQUENCERS, room, room),
      deliver: (messages) => this.#deliver(messages),
      live: () => this.host.index.size,
      lost: (room, from, to) => {
        this.log("warn", { event: "shard_lost_range", room, from, to });
        this.host.closeAll(CloseCode.SERVER_ERROR, "missed messages; resume");
      },
      log: this.log,
    });
    this.host = new SocketHost(
      ctx,
      this.settings,
      this.log,
      this.#owner(),
      this.hostOptions({
        listed: LISTED_MEMBERS,
        where: (room) => `shard ${this.#cursor.address?.shard} of '${room}'`,
        logFields: () => ({ shard: this.#cursor.address?.shard }),
      }),
    );
    this.#reports = new CountThrottle(
      () => this.host.index.userCount,
      (users) => this.#report(users),
      { now: () => Date.now(), later: (fn, ms) => setTimeout(fn, ms) },
    );
  }

  // ---- entry points ----

  override fetch(req: Request): Promise<Response> | Response {
    const addr = req.headers.get(SHARD_HEADER);
    if (addr === null) {
      return errorResponse(
        400,
        "bad_request",
        "shards accept only WebSocket upgrades forwarded by the worker",
      );
    }
    this.#cursor.remember(JSON.parse(addr) as ShardAddress);
    return this.metrics.admitted(() => this.host.admit(req));
  }

  // ---- RPC from the sequencer and other shards ----

  /**
   * A committed batch from the sequencer. False when this shard has no sockets and no join in progress:
   * the sequencer then stops pushing to it until a socket joins through it again.
   */
  async deliver(addr: ShardAddress, push: Push): Promise<boolean> {
    this.pushesSeen++;
    if (this.failPushes > 0) {
      this.failPushes--;
      throw new Error("injected push failure");
    }
    this.#cursor.remember(addr);
    await this.#cursor.offer(push);
    return this.host.index.size > 0 || this.host.joining > 0;
  }

  /** Unstored traffic relayed by the sequencer (binary frames, signals, the presence count). */
  broadcast(addr: ShardAddress, frame: string | ArrayBuffer, origin: string | null): void {
    this.#cursor.remember(addr);
    this.host.broadcast(frame, this.host.index.byConnection(origin));
  }

  /** A `direct` (or targeted signal) for one of this shard's users; returns how many sockets it reached. */
  direct(to: string, text: string): number {
    return this.host.toUser(to, text);
  }

  /** Closes every socket of the user here with 4403 (the sequencer stored any ban first). */
  kick(addr: ShardAddress, user: string, reason: string): number {
    this.#cursor.remember(addr);
    return this.host.kick(user, reason);
  }

  stats(addr: ShardAddress): ShardStats {
    this.#cursor.remember(addr);
    const index = this.host.index;
    return {
      shard: addr.shard,
      connections: index.size,
      users: index.userCount,
      members: index.members(LISTED_MEMBERS),
    };
  }

  // ---- what the host asks of a shard ----

  #owner(): HostOwner {
    const addr = () => {
      const a = this.#cursor.address;
      if (a === null) throw new Error("shard used before the worker or sequencer named it");
      return a;
    };
    const sequencer = () => this.placed(this.env.SEQUENCERS, addr().room, addr().room);
    return {
      // One more call to the sequencer (which keeps the bans), made only for a room with an onJoin.
      refusal: async (who) => {
        const banned = await sequencer().banned(addr().room, who.id);
        return banned === null ? null : errorResponse(403, "banned", banned);
      },
      plan: async (who, resume, empty): Promise<JoinPlan | Response> => {
        const join = await this.#cursor.join(who.id, resume, empty, this.settings.maxReplayBytes);
        if ("banned" in join) return errorResponse(403, "banned", join.banned);
        const { frames, more, next } = join;
        return {
          epoch: join.epoch,
          seq: join.seq,
          gap: join.gap,
          elsewhere: join.elsewhere,
          replay: (send) => {
            this.metrics.replaying(send)(frames);
            return more
              ? { replayed: frames.length, more, next: next as number }
              : { replayed: frames.length, more };
          },
        };
      },
      publish: (_ws, state, p, bytes) => this.#cursor.publish({ ...p, origin: state.connectionId }, bytes),
      binary: (_ws, state, data) => sequencer().relay(addr().room, data, state.connectionId),
      signal: async (_ws, state, text, to) => {
        if (to !== undefined) await this.#toUser(to, text);
        else await sequencer().relay(addr().room, text, state.connectionId);
      },
      direct: (to, text) => this.#toUser(to, text),
      connected: (_ws, _state, first) => first && this.#reports.changed(),
      disconnected: (_ws, _state, last) => last && this.#reports.changed(),
      // Kept on the user's sockets (the welcome lists it); a sharded room sends no per-user updates.
      stateChanged: () => {},
    };
  }

  protected override directTo(userId: string, text: string): Promise<number> {
    return this.#toUser(userId, text);
  }

  /** A hook's `ctx.publish` on a shard goes through the sequencer, which owns the log. */
  publishAsServer(room: string, data: unknown): Promise<{ seq: number }> {
    return this.placed(this.env.SEQUENCERS, room, room).publishAsServer(room, data);
  }

  protected override describe() {
    const a = this.#cursor.address;
    return a && ({ room: a.room, source: "shard", shard: a.shard, sockets: this.host.index.size } as const);
  }

  /** `direct` or a targeted signal: the user's sockets all live on shard hash(user) mod ROOM_SHARDS. */
  async #toUser(user: string, text: string): Promise<number> {
    const addr = this.#cursor.address;
    if (addr === null) return 0;
    const target = shardOf(user, this.settings.sharding.roomShards);
    if (target === addr.shard) return this.direct(user, text);
    return this.placed(this.env.SHARDS, shardName(addr.room, target), addr.room).direct(user, text);
  }

  /** A commit (or a fetched range): each publisher's socket gets its ack, not its own message. */
  #deliver(messages: Committed[]): void {
    const index = this.host.index;
    this.host.deliver(messages.map((m) => ({ frame: m.frame, except: index.byConnection(m.origin) })));
  }

  #report(users: number): void {
    const addr = this.#cursor.address;
    if (addr === null) return;
    this.placed(this.env.SEQUENCERS, addr.room, addr.room)
      .report(addr.room, addr.shard, users)
      .catch((err: unknown) =>
        this.log("warn", { event: "report_failed", room: addr.room, error: errorMessage(err) }),
      );
  }
}
