// An app on another origin (a Vite dev server, say) using the client library: a refused origin is a
// final, readable error naming ALLOWED_ORIGINS, and an allowed one connects.
import { createServer, type Server } from "node:http";
import { join } from "node:path";
import { build } from "esbuild";
import type { Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort, ROOT } from "../support/dev-server.ts";
import { uniqueRoom } from "../support/names.ts";
import { browserSuite, token, WAIT_MS, watchErrors } from "./support.ts";

// The app's origin allowed by the server; the second origin (another port) is not.
const allowedPort = await freePort();
const suite = browserSuite([{ vars: { ALLOWED_ORIGINS: `http://127.0.0.1:${allowedPort}` } }]);

const PAGE = `<!doctype html><meta charset="utf-8"><title>app</title>
<script type="module">
  import { connect } from "/client.js";
  const q = new URLSearchParams(location.hash.slice(1));
  const room = connect({ url: q.get("url"), room: q.get("room"), token: q.get("token") });
  window.states = [];
  room.on("state", (s) => window.states.push({ status: s.status, code: s.error?.code, message: s.error?.message }));
</script>`;

/** A static server for the app page and the client bundle, on 127.0.0.1. */
async function appServer(port: number, bundle: string): Promise<Server> {
  const server = createServer((req, res) => {
    const js = req.url === "/client.js";
    res.writeHead(200, { "content-type": js ? "text/javascript" : "text/html" });
    res.end(js ? bundle : PAGE);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return server;
}

let apps: Server[] = [];
let refusedPort = 0;

beforeAll(async () => {
  const out = await build({
    entryPoints: [join(ROOT, "src/client/index.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
  });
  const bundle = out.outputFiles[0]?.text ?? "";
  refusedPort = await freePort();
  apps = await Promise.all([appServer(allowedPort, bundle), appServer(refusedPort, bundle)]);
});

afterAll(async () => {
  await Promise.all(apps.map((s) => new Promise((resolve) => s.close(resolve))));
});

/** Opens the app page on `port` joining `room`; counts the sockets it opens. */
async function openApp(port: number, room: string): Promise<{ page: Page; sockets: () => number }> {
  const context = await suite.browser.newContext();
  const page = suite.track(await context.newPage());
  watchErrors(page);
  let sockets = 0;
  page.on("websocket", () => sockets++);
  const jwt = await token("carol", { rooms: { [room]: ["read", "write"] } });
  const hash = new URLSearchParams({ url: suite.server().url, room, token: jwt });
  await page.goto(`http://127.0.0.1:${port}/#${hash}`);
  return { page, sockets: () => sockets };
}

type Seen = { status: string; code?: string; message?: string };

function lastState(page: Page, status: string): Promise<Seen> {
  return page
    .waitForFunction(
      (want) => (window as unknown as { states: Seen[] }).states.find((s) => s.status === want) ?? null,
      status,
      { timeout: WAIT_MS },
    )
    .then((h) => h.jsonValue() as Promise<Seen>);
}

describe("an app on another origin", () => {
  it("is told its origin is refused, with the fix, and stops retrying", async () => {
    const { page, sockets } = await openApp(refusedPort, uniqueRoom("xorigin"));
    const closed = await lastState(page, "closed");
    expect(closed.code).toBe("origin_not_allowed");
    expect(closed.message).toContain(`origin http://127.0.0.1:${refusedPort} is not allowed`);
    expect(closed.message).toContain(`--var ALLOWED_ORIGINS:http://127.0.0.1:${refusedPort}`);
    expect(sockets()).toBe(1);
    const states = await page.evaluate(() => (window as unknown as { states: Seen[] }).states);
    expect(states.map((s) => s.status)).toEqual(["closed"]);
  });

  it("connects from an origin in ALLOWED_ORIGINS", async () => {
    const { page } = await openApp(allowedPort, uniqueRoom("xorigin"));
    await lastState(page, "open");
  });
});
