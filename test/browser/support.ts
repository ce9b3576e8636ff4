// Shared setup for the browser tests: Debian's Chromium via playwright-core, tokens, and page helpers.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { type Browser, type BrowserContextOptions, chromium, type Locator, type Page } from "playwright-core";
import { afterAll, beforeAll, expect } from "vitest";
import type { Capability } from "../../src/shared/protocol.ts";
import { type DevServer, type DevServerOptions, ROOT, startDevServer } from "../support/dev-server.ts";
import { type TokenOptions, tokenFor } from "../support/tokens.ts";

/** How long any single page state may take to appear (wrangler dev on a busy CI box can be slow). */
export const WAIT_MS = 20_000;
export const RESULTS_DIR = join(ROOT, "test-results");

/** Debian's `chromium` package (apt-get install -y chromium). */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-quic",
      "--no-first-run",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/** A token for the page: an hour long, signed with the dev server's secret unless told otherwise. */
export function token(
  user: string,
  o: Omit<TokenOptions, "claims"> & { rooms: Record<string, Capability[]> },
): Promise<string> {
  return tokenFor(user, o.rooms, { ttlSeconds: 3600, ...o });
}

/** The page URL that joins `room` with `jwt` from the fragment. */
export function roomLink(baseUrl: string, room: string, jwt: string): string {
  return `${baseUrl}/#room=${encodeURIComponent(room)}&token=${encodeURIComponent(jwt)}`;
}

/** Opens a fresh browser context (own storage) on `url`. */
export async function openPage(
  browser: Browser,
  url: string,
  options: BrowserContextOptions = {},
): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 800 }, ...options });
  const page = await context.newPage();
  watchErrors(page);
  await page.goto(url);
  return page;
}

/** Uncaught exceptions of every watched page; each test file asserts this stays empty. */
export const pageErrors: string[] = [];

/** Records the page's uncaught exceptions in `pageErrors` (and prints them at once). */
export function watchErrors(page: Page): void {
  page.on("pageerror", (err) => {
    pageErrors.push(err.message);
    console.error(`[page error] ${err.message}`);
  });
}

/** Waits until the connection status pill shows `state` (open / reconnecting / closed …). */
export async function waitForStatus(page: Page, state: string): Promise<void> {
  await page.locator(`#status[data-state="${state}"]`).waitFor({ timeout: WAIT_MS });
}

/** The message items whose text is exactly `text`. */
export function messagesWithText(page: Page, text: string): Locator {
  return page
    .locator("#messages > li.msg")
    .filter({ has: page.locator(".msg-text", { hasText: new RegExp(`^${escapeRegExp(text)}$`) }) });
}

/**
 * Publishes `{ text }` to `room` over HTTP as an admin (the contract's server-side publish), so the
 * messages do not depend on any socket. The text doubles as the idempotency id.
 */
export async function httpPublisher(
  baseUrl: string,
  room: string,
  user = "bob",
  name = "Bob",
): Promise<(text: string) => Promise<number>> {
  const jwt = await token(user, { name, rooms: { [room]: ["admin"] } });
  return async (text) => {
    const res = await fetch(`${baseUrl}/rooms/${encodeURIComponent(room)}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${jwt}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { text }, id: text }),
    });
    const body = await res.text();
    if (res.status !== 201) throw new Error(`publish "${text}": HTTP ${res.status} ${body}`);
    const parsed: unknown = JSON.parse(body);
    const seq = typeof parsed === "object" && parsed !== null && "seq" in parsed ? parsed.seq : null;
    if (typeof seq !== "number") throw new Error(`publish "${text}": no seq in ${body}`);
    return seq;
  };
}

/**
 * Freezes the page's (Playwright-installed) clock a little ahead of now, so no reconnect timer can
 * fire until `page.clock.resume()`: what happens "while the page is away" becomes deterministic.
 */
export async function freezeClock(page: Page): Promise<void> {
  const now = await page.evaluate(() => Date.now());
  await page.clock.pauseAt(now + 1000);
}

/** Types into the composer and presses Enter. */
export async function send(page: Page, text: string): Promise<void> {
  const input = page.locator("#composer-input");
  await input.fill(text);
  await input.press("Enter");
}

/** Every message text on the page, in order. */
export function messageTexts(page: Page): Promise<string[]> {
  return page.locator("#messages > li.msg .msg-text").allTextContents();
}

export async function screenshot(page: Page, file: string): Promise<string> {
  await mkdir(RESULTS_DIR, { recursive: true });
  const path = join(RESULTS_DIR, file);
  await page.screenshot({ path });
  return path;
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}

export interface BrowserSuite {
  /** The browser, once beforeAll has run. */
  readonly browser: Browser;
  /** The i-th server started for this file (one per entry of `serverOptions`). */
  server(i?: number): DevServer;
  /** Closes the page's context after the file. */
  track(page: Page): Page;
}

/**
 * Starts Chromium and one `wrangler dev` per entry of `serverOptions` for a test file, and afterwards
 * closes every tracked page, the browser and the servers, then fails if any page threw.
 */
export function browserSuite(serverOptions: DevServerOptions[] = [{}]): BrowserSuite {
  let browser: Browser | undefined;
  let servers: DevServer[] = [];
  const pages: Page[] = [];
  beforeAll(async () => {
    const [b, ...s] = await Promise.all([launchBrowser(), ...serverOptions.map((o) => startDevServer(o))]);
    browser = b;
    servers = s;
  });
  afterAll(async () => {
    await Promise.all(pages.map((p) => p.context().close()));
    await browser?.close();
    await Promise.all(servers.map((s) => s.dispose()));
    // Last, so a failure here still lets the browser and servers be cleaned up first.
    expect(pageErrors, "uncaught errors in the page").toEqual([]);
  });
  return {
    get browser() {
      if (!browser) throw new Error("browser not started (used outside a test?)");
      return browser;
    },
    server(i = 0) {
      const s = servers[i];
      if (!s) throw new Error(`server ${i} not started (used outside a test?)`);
      return s;
    },
    track(page) {
      pages.push(page);
      return page;
    },
  };
}
