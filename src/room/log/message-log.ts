// A room's ordered, durable message log: group commit, history and dedupe, rendering, bans and paging.
//
// One log serves both deployments of a room: a plain Room delivers each written message to its own
// sockets, a sharded room's Sequencer pushes each durable commit to its shards. The owner says what
// happens to a written message (`written`), what else its append transaction stores (`within`), and
// what follows a durable commit (`durable`); everything else about publishing is here, once.

import type { RoomEvent } from "../../server/events.ts";
import type { Log } from "../../server/logger.ts";
import type { HistoryAnswer, HistoryQuery, HttpPublishResult } from "../../server/room-rpc.ts";
import type { Settings } from "../../server/settings.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { KickResult, UserRef } from "../../shared/protocol.ts";
import { MinuteCounter } from "../directory/minute-counter.ts";
import type { EventSink } from "../hooks/event-sink.ts";
import { type PublishedMessage, type RoomHooks, runHook, SERVER_USER } from "../hooks/hooks.ts";
import { PublishOrder } from "../hooks/publish-order.ts";
import {
  approxBytes,
  type Faults,
  failingWrites,
  GroupCommit,
  heldFlush,
  Overloaded,
  PUBLISH_QUEUE_LIMITS,
} from "./group-commit.ts";
import { History, type HistoryBounds } from "./history.ts";
import { renderMessage } from "./message-frame.ts";
import { Bans, bannedMessage, kickReason } from "./moderation.ts";
import { collectReplay, historyPage, type ReplayPage, type ReplayResult, replay } from "./replay.ts";
import { planResume, type ResumePlan, type ResumeRequest } from "./resume.ts";

/** A message to publish: who sends it, its data, and the client's idempotency key. */
export interface LogPublish {
  from: UserRef;
  data: unknown;
  id: string | undefined;
}

/**
 * A publish's outcome: its seq (or the duplicate's), or a refusal the publisher is told as an `error`
 * frame: `too_large` (the rendered-size rule) or `overloaded` (the bounded group commit is full; retry).
 * `failed`: the write failed (storage): nothing is acked, the publisher's socket closes 1011.
 */
export type PublishOutcome =
  | { seq: number; duplicate: boolean /** the stored data, when `onPublish` changed it */; data?: unknown }
  | { refused: "too_large" | "overloaded" | "rejected" | "internal"; message: string }
  | { failed: string };

/** What the owner does around a write. `T` tags a message with its publisher (a socket, a connection id). */
export interface LogHooks<T> {
  /** A message was written (its transaction committed in memory); deliver or queue it. */
  written(seq: number, frame: string, tag: T | null): void;
  /** More statements for the message's own append transaction (a throw undoes the whole append). */
  within?(seq: number, tag: T | null): void;
  /** Everything written so far is durable. */
  durable?(): void;
  /** The room's `onPublish` hook, bound to its context; absent: no hook. */
  onPublish?:
    | ((room: string, message: PublishedMessage) => ReturnType<NonNullable<RoomHooks["onPublish"]>>)
    | undefined;
  /** Where events go (ROOM_EVENTS); messages are sent once their commit is durable. */
  events?: EventSink | undefined;
}

type Stored = { seq: number; duplicate: boolean } | { refused: "too_large"; message: string };
type Item<T> = { room: string; p: LogPublish; tag: T | null };

export class MessageLog<T> {
  /** @internal Test seam (storage failures, held flushes): inert unless a test sets it. */
  readonly faults: Faults = { failWrites: 0, holdFlush: null };
  readonly #history: History;
  readonly #bans: Bans;
  readonly #settings: Settings;
  readonly #log: Log;
  readonly #hooks: LogHooks<T>;
  readonly #commits: GroupCommit<Item<T>, Stored>;
  readonly #order = new PublishOrder(PUBLISH_QUEUE_LIMITS.maxItems);
  /** messages written in the last minute (the room directory's `messagesLastMinute`) */
  readonly #minute = new MinuteCounter();
  /** message events of the commit being written, sent once it is durable */
  #committing: RoomEvent[] = [];

  constructor(storage: DurableObjectStorage, settings: Settings, log: Log, hooks: LogHooks<T>) {
    this.#settings = settings;
    this.#log = log;
    this.#hooks = hooks;
    this.#history = new History(storage, settings.historyLimit);
    this.#history.beforeCommit = failingWrites(this.faults);
    this.#bans = new Bans(storage.sql);
    this.#commits = new GroupCommit(
      (item) => this.#store(item),
      heldFlush(this.faults, async () => {
        await storage.sync();
        hooks.durable?.();
        const events = this.#committing;
        this.#committing = [];
        void hooks.events?.send(events);
      }),
    );
  }

  get epoch(): string {
    return this.#history.epoch;
  }

  /** The last assigned seq. */
  get seq(): number {
    return this.#history.seq;
  }

  bounds(): HistoryBounds {
    return this.#history.bounds();
  }

  /** Messages written in the 60 s up to `now`. */
  messagesLastMinute(now: number): number {
    return this.#minute.total(now);
  }

  /** Where the log stands, as room info reports it. */
  head(): { epoch: string; seq: number; history: HistoryBounds } {
    return { epoch: this.#history.epoch, seq: this.#history.seq, history: this.#history.bounds() };
  }

  /**
   * Assigns the next seq (or finds the duplicate of a keyed message); resolves once durable. With an
   * `onPublish` hook, the hook runs first (once per message, never for a duplicate), and publishes
   * still get their seqs in arrival order.
   */
  async publish(
    room: string,
    p: LogPublish,
    tag: T | null,
    bytes: number,
    via: "socket" | "http" = "socket",
  ): Promise<PublishOutcome> {
    const hook = this.#hooks.onPublish;
    if (hook === undefined) return this.#submit({ room, p, tag }, bytes);
    if (p.id !== undefined) {
      const seq = this.#history.findDuplicate(p.from.id, p.id);
      if (seq !== null) return { seq, duplicate: true };
    }
    const message = { from: p.from, data: p.data, via, ...(p.id !== undefined ? { id: p.id } : {}) };
    const key = p.id === undefined ? null : `${p.from.id}\n${p.id}`;
    try {
      return await this.#order.run(
        key,
        () => runHook("onPublish", room, this.#settings.hookTimeoutMs, this.#log, () => hook(room, message)),
        (outcome): Promise<PublishOutcome> => {
          if (!outcome.ok) {
            return Promise.resolve({
              refused: "internal",
              message: "the room could not check this message; nothing was stored",
            });
          }
          const verdict = outcome.value;
          if (!verdict) return this.#submit({ room, p, tag }, bytes);
          if ("reject" in verdict) return Promise.resolve({ refused: "rejected", message: verdict.reject });
          const changed = { ...p, data: verdict.data };
          return this.#submit({ room, p: changed, tag }, bytes).then((r) =>
            "seq" in r && !r.duplicate ? { ...r, data: verdict.data } : r,
          );
        },
        (first) => ("seq" in first ? { seq: first.seq, duplicate: true } : first),
      );
    } catch (err) {
      if (err instanceof Overloaded) return { refused: "overloaded", message: err.message };
      throw err;
    }
  }

  /** Publishes as the server (`@server`): no hook runs; rejects when the message was not stored. */
  async publishAsServer(room: string, data: unknown): Promise<{ seq: number }> {
    const r = await this.#submit(
      { room, p: { from: SERVER_USER, data, id: undefined }, tag: null },
      approxBytes(data),
    );
    if ("seq" in r) return { seq: r.seq };
    throw new Error("refused" in r ? `${r.refused}: ${r.message}` : `not stored: ${r.failed}`);
  }

  async #submit(item: Item<T>, bytes: number): Promise<PublishOutcome> {
    try {
      return await this.#commits.submit(item, bytes);
    } catch (err) {
      if (err instanceof Overloaded) return { refused: "overloaded", message: err.message };
      this.#log("warn", {
        event: "storage_failed",
        room: item.room,
        user: item.p.from.id,
        error: errorMessage(err),
      });
      return { failed: errorMessage(err) };
    }
  }

  /** `POST /rooms/:room/messages`: a ban is refused before any write; refusals come back as codes. */
  async publishHttp(room: string, p: LogPublish): Promise<HttpPublishResult> {
    const banned = this.banned(room, p.from.id);
    if (banned !== null) return { ok: false, code: "banned", message: banned };
    const r = await this.publish(room, p, null, approxBytes(p.data), "http");
    if ("refused" in r) return { ok: false, code: r.refused, message: r.message };
    if ("failed" in r)
      return { ok: false, code: "unavailable", message: "the message could not be stored; retry" };
    this.#log("info", { event: "http_publish", room, user: p.from.id, seq: r.seq, duplicate: r.duplicate });
    return r.duplicate ? { ok: true, seq: r.seq, duplicate: true } : { ok: true, seq: r.seq };
  }

  /** A page of `GET /rooms/:room/messages` for `user`, as the JSON body text; refused while banned. */
  page(room: string, q: HistoryQuery, user: string): HistoryAnswer {
    const banned = this.banned(room, user);
    if (banned !== null) return { ok: false, status: 403, code: "banned", message: banned };
    return historyPage(this.#history, room, q, this.#settings.maxReplayBytes);
  }

  /** Where a resuming (or new) socket's replay starts, and whether it missed messages. */
  plan(resume: ResumeRequest | null): ResumePlan {
    return planResume(resume, this.#history.epoch, this.#history.seq, this.#history.bounds());
  }

  /** Sends retained frames after `after` through `send`, within MAX_REPLAY_BYTES. */
  replay(after: number, send: (frames: string[]) => void): ReplayResult {
    return replay(this.#history, after, this.#settings.maxReplayBytes, send);
  }

  /** The same replay, collected (for another object to send), within `maxBytes`. */
  collect(after: number, maxBytes: number, atLeastOne = true): ReplayPage {
    return collectReplay(this.#history, after, Math.max(0, maxBytes), atLeastOne);
  }

  /** Retained messages with seq > after, oldest first, at most `limit`. */
  entriesAfter(after: number, limit: number): { seq: number; frame: string }[] {
    return this.#history.entriesAfter(after, limit);
  }

  /**
   * `POST /rooms/:room/kick`: bans the user for `banSeconds` (none for 0), then `close` closes their
   * sockets with the kick's close reason (wherever they are) and says how many.
   */
  async kick(
    room: string,
    user: string,
    banSeconds: number,
    reason: string | undefined,
    close: (why: string) => number | Promise<number>,
  ): Promise<KickResult> {
    this.ban(user, banSeconds, reason);
    const closed = await close(kickReason(reason, banSeconds));
    this.#hooks.events?.add({
      room,
      type: "kick",
      user: { id: user, name: null },
      data: { banSeconds, reason: reason ?? null },
      ts: Date.now(),
    });
    this.#log("info", { event: "kick", room, user, closed, banSeconds });
    return { closed };
  }

  /** Stores a ban of `seconds` (none for 0), replacing an earlier one. */
  ban(user: string, seconds: number, reason: string | undefined): void {
    if (seconds > 0) this.#bans.ban(user, Date.now() + seconds * 1000, reason ?? null);
  }

  /** The `403 banned` message while the user is banned from this room, else null. */
  banned(room: string, user: string): string | null {
    const ban = this.#bans.active(user, Date.now());
    return ban ? bannedMessage(user, room, ban) : null;
  }

  #store({ room, p, tag }: Item<T>): Stored {
    if (p.id !== undefined) {
      const seq = this.#history.findDuplicate(p.from.id, p.id);
      if (seq !== null) return { seq, duplicate: true };
    }
    const seq = this.#history.seq + 1;
    const fields = { seq, from: p.from, data: p.data, id: p.id, ts: Date.now() };
    const rendered = renderMessage(fields, this.#settings.maxMessageBytes);
    if ("refused" in rendered) return rendered;
    const within = this.#hooks.within;
    this.#history.append(seq, p.from.id, p.id, rendered.frame, within && (() => within(seq, tag)));
    this.#hooks.written(seq, rendered.frame, tag);
    this.#minute.add(fields.ts);
    if (this.#hooks.events?.enabled) {
      const event: RoomEvent = { room, type: "message", seq, user: p.from, data: p.data, ts: fields.ts };
      this.#committing.push(p.id === undefined ? event : { ...event, id: p.id });
    }
    return { seq, duplicate: false };
  }
}
