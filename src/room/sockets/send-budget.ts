// Slow readers: a bound on what a room sends one socket that its client has not shown it read.
//
// Why: the runtime reports no `bufferedAmount` on hibernatable sockets (docs/protocol.md, "Slow
// readers"), so a client that stops reading (and keeps its socket alive with pings) would have every
// broadcast queued for it without limit. The room cannot see the queue, so it asks: it counts what it
// sends each socket and, once a window's worth is unconfirmed, sends `{"type":"mark","n":K}`. The client
// answers `{"type":"read","n":K}` when it reads the mark; frames arrive in order, so the answer proves
// everything sent before the mark was read. A socket that owes more than `maxUnread` is closed 4413.
//
// The count lives in memory (a send is a hot path: no attachment write per frame). An unanswered mark
// is written to the attachment, so a room woken from hibernation goes on counting from what that socket
// owed, plus a window for what it may have been sent since (docs/protocol.md says so).
import { type SocketState, writeState } from "./socket-state.ts";

interface Flow {
  state: SocketState;
  budget: SendBudget;
  /** characters (binary: bytes) sent and not yet confirmed */
  unread: number;
  /** the outstanding mark's number, 0 when none is outstanding */
  mark: number;
  /** `unread` when that mark was sent: what its answer confirms */
  marked: number;
  /** over the budget: nothing more is sent, the close is on its way */
  over: boolean;
}

// Keyed by the runtime's socket objects (new after every wake): read by `trySend` for every frame.
const flows = new WeakMap<WebSocket, Flow>();

/** The window between marks: an eighth of the budget, at most 1 MiB. */
export function markWindow(maxUnread: number): number {
  return Math.min(1 << 20, Math.floor(maxUnread / 8));
}

/** The answer a client gives a mark: at most this long, so telling it apart costs no parse of big frames. */
const MAX_READ_CHARS = 64;

export class SendBudget {
  readonly #max: number;
  readonly #window: number;
  readonly #close: (ws: WebSocket, state: SocketState, reason: string) => void;
  #marks = 0;

  /** `maxUnread` 0: no budget, no marks. `close` runs in a microtask, never inside a send loop. */
  constructor(maxUnread: number, close: (ws: WebSocket, state: SocketState, reason: string) => void) {
    this.#max = maxUnread;
    this.#window = markWindow(maxUnread);
    this.#close = close;
  }

  /** Starts counting for a socket: a new one, or one found after a wake (restoring its unanswered mark). */
  track(ws: WebSocket, state: SocketState): void {
    if (this.#max === 0) return;
    const owed = state.mark;
    flows.set(ws, {
      state,
      budget: this,
      unread: owed ? owed[1] + this.#window : 0,
      mark: owed ? owed[0] : 0,
      marked: owed ? owed[1] : 0,
      over: false,
    });
    if (owed) this.#marks = Math.max(this.#marks, owed[0]);
  }

  /**
   * A text frame that may be a `read`: true when it answered this socket's outstanding mark (handled: it
   * costs no rate token). Anything else goes on to the usual checks (a stale `read` is a bad_message).
   */
  answered(ws: WebSocket, message: string | ArrayBuffer): boolean {
    if (typeof message !== "string" || message.length > MAX_READ_CHARS || !message.includes('"read"')) {
      return false;
    }
    const flow = flows.get(ws);
    if (flow === undefined || flow.mark === 0) return false;
    let n: unknown;
    try {
      const f = JSON.parse(message) as { type?: unknown; n?: unknown };
      if (f.type !== "read") return false;
      n = f.n;
    } catch {
      return false;
    }
    if (n !== flow.mark) return false;
    flow.unread = Math.max(0, flow.unread - flow.marked);
    flow.mark = 0;
    flow.marked = 0;
    // Not written to the attachment: a stale mark there only makes a later wake count a little high.
    delete flow.state.mark;
    if (flow.unread >= this.#window) this.#sendMark(ws, flow);
    return true;
  }

  /** Counts a frame just sent; marks or closes the socket when due. */
  sent(ws: WebSocket, flow: Flow, size: number): void {
    flow.unread += size;
    if (flow.unread > this.#max) {
      flow.over = true;
      const owed = flow.unread;
      queueMicrotask(() =>
        this.#close(ws, flow.state, `too far behind: ${owed} bytes sent and not read (MAX_UNREAD_BYTES)`),
      );
      return;
    }
    if (flow.mark === 0 && flow.unread >= this.#window) this.#sendMark(ws, flow);
  }

  #sendMark(ws: WebSocket, flow: Flow): void {
    const n = ++this.#marks;
    const text = `{"type":"mark","n":${n}}`;
    try {
      ws.send(text);
    } catch {
      return; // closing underneath us
    }
    flow.unread += text.length;
    flow.mark = n;
    flow.marked = flow.unread;
    flow.state.mark = [n, flow.unread];
    try {
      writeState(ws, flow.state);
    } catch {
      // closing underneath us
    }
  }
}

/** What `trySend` consults: the socket's flow, if its room keeps a budget. */
export function flowOf(ws: WebSocket): Flow | undefined {
  return flows.get(ws);
}
