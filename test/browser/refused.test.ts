// Refused tokens: the page names the cause, stops retrying, and forgets the token for this tab.
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { browserSuite, roomLink, screenshot, token, WAIT_MS, waitForStatus, watchErrors } from "./support.ts";

const suite = browserSuite();

interface Case {
  name: string;
  jwt: (room: string) => Promise<string>;
  title: (room: string) => string;
}

const cases: Case[] = [
  {
    name: "bad signature",
    jwt: (room) =>
      token("mallory", {
        rooms: { [room]: ["read", "write"] },
        secret: "not-the-server-secret-0123456789abcdef",
      }),
    title: () => "Token expired or invalid (unauthorized)",
  },
  {
    name: "expired",
    jwt: (room) =>
      token("alice", { rooms: { [room]: ["read", "write"] }, ttlSeconds: 60, now: Date.now() - 3_600_000 }),
    title: () => "Token expired or invalid (unauthorized)",
  },
  {
    name: "not allowed in the room",
    jwt: () => token("alice", { rooms: { "some-other-room": ["read", "write"] } }),
    title: (room) => `Not allowed in room '${room}' (forbidden)`,
  },
];

describe("refused token", () => {
  for (const c of cases) {
    it(`${c.name}: names the cause and stops retrying`, async () => {
      const room = uniqueRoom("refused");
      const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      suite.track(page);
      watchErrors(page);
      let sockets = 0;
      page.on("websocket", () => sockets++);
      // A controllable clock: fast-forwarding it proves no reconnect timer is still pending.
      await page.clock.install();
      await page.goto(roomLink(suite.server().url, room, await c.jwt(room)));

      await waitForStatus(page, "closed");
      const title = page.locator("#error-title");
      await title.waitFor({ timeout: WAIT_MS });
      expect(await title.textContent()).toBe(c.title(room));
      expect(await page.locator("#error-banner").isVisible()).toBe(true);
      expect(await page.locator("#composer-input").isDisabled()).toBe(true);
      expect(sockets).toBeGreaterThanOrEqual(1);
      if (c.name === "not allowed in the room") await screenshot(page, "refused.png");

      const attempts = sockets;
      await page.clock.fastForward("05:00");
      // This round trip also lets any socket opened by a fired timer reach the test.
      expect(await page.locator("#status").getAttribute("data-state")).toBe("closed");
      expect(sockets, "no new socket after the refusal").toBe(attempts);

      // The refused token is forgotten: a reload offers the form for the same room, no retry.
      await page.reload();
      await page.locator("#join-view").waitFor({ timeout: WAIT_MS });
      expect(await page.locator("#join-room").inputValue()).toBe(room);
      expect(sockets).toBe(attempts);
    });
  }

  it("an invalid room name is named without opening a socket", async () => {
    const context = await suite.browser.newContext();
    const page = await context.newPage();
    suite.track(page);
    watchErrors(page);
    let sockets = 0;
    page.on("websocket", () => sockets++);
    const jwt = await token("alice", { rooms: { "*": ["read", "write"] } });
    await page.goto(roomLink(suite.server().url, "no spaces allowed", jwt));
    await waitForStatus(page, "closed");
    expect(await page.locator("#error-title").textContent()).toBe(
      "Invalid room name 'no spaces allowed' (bad_room)",
    );
    expect(sockets).toBe(0);
  });
});
