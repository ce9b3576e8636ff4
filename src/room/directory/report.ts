// How a room (a plain Room, or a sharded room's Sequencer) tells the live room directory about itself,
// without a call per connect: at once when it gains its first socket or loses its last, at most once
// per DIRECTORY_REPORT_SECONDS (R) while it changes, and a heartbeat before its entry's TTL runs out
// while sockets remain (from the owner's alarm). Reports are fire-and-forget: a failure is logged,
// never seen by a socket.
//
// No timer: a change within R of the last report is only remembered, and goes out with the first
// change after R or with the owner's next alarm (a pending setTimeout would keep the room awake, and
// arming the alarm per change would be a storage write). The alarm is wanted 6R after the last report
// at the latest, and heartbeats once 3R have passed; the entry lives 7R (server/directory.ts).
import { directoryName, directoryTiming, type RoomEntry } from "../../server/directory.ts";
import type { Log } from "../../server/logger.ts";
import type { Settings } from "../../server/settings.ts";
import { errorMessage } from "../../shared/errors.ts";
import type { RoomDirectory } from "./room-directory.ts";

/** The binding of the directory objects; optional: without it nothing is reported. */
export interface DirectoryVars {
  DIRECTORY?: DurableObjectNamespace<RoomDirectory>;
}

/** The room's state as a report carries it (the reporter adds the times); null while it has no name. */
export type Snapshot = Omit<RoomEntry, "lastActivity" | "reportedAt">;
export type SnapshotSource = () => Snapshot | null | Promise<Snapshot | null>;

export class DirectoryReporter {
  readonly #ns: DurableObjectNamespace<RoomDirectory> | undefined;
  readonly #log: Log;
  readonly #snapshot: SnapshotSource;
  readonly #now: () => number;
  readonly #timing: ReturnType<typeof directoryTiming>;
  /** a change since the last report that is not reported yet */
  #dirty = false;
  /** whether the directory lists the room as far as we know; null after a wake (unknown) */
  #listed: boolean | null = null;
  #lastReport = Number.NEGATIVE_INFINITY;
  #lastActivity = 0;
  #stub: { room: string; stub: DurableObjectStub<RoomDirectory> } | null = null;

  constructor(env: DirectoryVars, settings: Settings, log: Log, snapshot: SnapshotSource, now = Date.now) {
    this.#ns = env.DIRECTORY;
    this.#log = log;
    this.#snapshot = snapshot;
    this.#now = now;
    this.#timing = directoryTiming(settings.directoryReportSeconds);
  }

  /**
   * Something changed (a connect, a close, a commit); `live`: whether the room has sockets now. The
   * first socket and the last one's departure are reported at once, anything else at most once per R.
   */
  changed(live: boolean): void {
    if (this.#ns === undefined) return;
    const now = this.#now();
    this.#lastActivity = now;
    if (live !== this.#listed || (live && now >= this.#lastReport + this.#timing.reportMs)) void this.#send();
    else this.#dirty = true;
  }

  /** The latest time the owner's alarm should fire for the next heartbeat, or null when not reporting. */
  heartbeatAt(): number | null {
    if (this.#ns === undefined) return null;
    const last = Number.isFinite(this.#lastReport) ? this.#lastReport : this.#now();
    return last + 2 * this.#timing.heartbeatMs;
  }

  /**
   * The owner's alarm fired: heartbeat if one is due, or report the room gone if it has no socket left
   * (after a crash nothing else would). Returns when the alarm should next fire for us, or null.
   */
  async tick(): Promise<number | null> {
    if (this.#ns === undefined) return null;
    const now = this.#now();
    const beat = now >= this.#lastReport + this.#timing.heartbeatMs;
    const pending = this.#dirty && now >= this.#lastReport + this.#timing.reportMs;
    if (this.#listed === true && !beat && !pending) return this.heartbeatAt();
    const sent = await this.#send();
    return sent !== null && sent.sockets > 0 ? this.heartbeatAt() : null;
  }

  /** Sends the room's state now; resolves to what was sent (null: nothing, the room has no name yet). */
  async #send(): Promise<Snapshot | null> {
    const ns = this.#ns;
    if (ns === undefined) return null;
    const now = this.#now();
    this.#lastReport = now;
    this.#dirty = false;
    let snap: Snapshot | null;
    try {
      snap = await this.#snapshot();
    } catch (err) {
      this.#log("warn", { event: "directory_report_failed", error: errorMessage(err) });
      return null;
    }
    if (snap === null) return null;
    this.#listed = snap.sockets > 0;
    const entry: RoomEntry = { ...snap, lastActivity: this.#lastActivity || now, reportedAt: now };
    this.#stubFor(ns, snap.room)
      .report(entry)
      .catch((err: unknown) => {
        // Unknown again: the next change reports at once.
        this.#listed = null;
        this.#log("warn", { event: "directory_report_failed", room: snap.room, error: errorMessage(err) });
      });
    return snap;
  }

  /** One stub per room, kept: reports through one stub arrive in the order they were sent. */
  #stubFor(ns: DurableObjectNamespace<RoomDirectory>, room: string): DurableObjectStub<RoomDirectory> {
    if (this.#stub?.room !== room) this.#stub = { room, stub: ns.getByName(directoryName(room)) };
    return this.#stub.stub;
  }
}
