// Room-level helpers: join a room the way a well-behaved client does, or expect the upgrade refused.
import { expect } from "vitest";
import type { SyncedFrame, WelcomeFrame } from "../../../src/shared/protocol.ts";
import { HandshakeError, type OpenOptions, TestSocket } from "./ws-client.ts";

export interface Joined {
  sock: TestSocket;
  welcome: WelcomeFrame;
  synced: SyncedFrame;
}

/**
 * Opens a socket, awaits `welcome` and `synced`, then (as the contract asks of clients) sends `ping`
 * and awaits `pong`, so that server-initiated closes are delivered at once under wrangler dev.
 */
export async function join(
  baseUrl: string,
  room: string,
  o: OpenOptions & { label?: string; ping?: boolean } = {},
): Promise<Joined> {
  const sock = await TestSocket.open(baseUrl, room, o, o.label ?? "socket");
  const welcome = await sock.next("welcome");
  const synced = await sock.next("synced");
  if (o.ping !== false) await sock.ping();
  return { sock, welcome, synced };
}

/** Pings every `ms` (the contract's keepalive) until the returned stop function is called. */
export function keepAlive(sock: TestSocket, ms = 1000): () => void {
  const timer = setInterval(() => {
    if (sock.isOpen) sock.sendRaw("ping");
  }, ms);
  return () => clearInterval(timer);
}

/** Expects the upgrade to be refused with this status and JSON error code. */
export async function expectRefused(
  baseUrl: string,
  room: string,
  o: OpenOptions,
  status: number,
  code: string,
): Promise<HandshakeError> {
  let err: unknown;
  let sock: TestSocket | null = null;
  try {
    sock = await TestSocket.open(baseUrl, room, o, "refused");
  } catch (e) {
    err = e;
  }
  if (sock) {
    const first = await sock.nextAny(1500).then(
      (r) => (r.kind === "json" ? r.text : r.kind),
      () => "(no frame)",
    );
    await sock.shutdown();
    expect.fail(`expected HTTP ${status} ${code}, but the upgrade succeeded (101); first frame: ${first}`);
  }
  if (!(err instanceof HandshakeError)) throw err;
  const body = err.json();
  expect({ status: err.status, body }, `upgrade of ${room}`).toEqual({
    status,
    body: { error: { code, message: expect.any(String) } },
  });
  expect(err.contentType).toMatch(/application\/json/);
  return err;
}
