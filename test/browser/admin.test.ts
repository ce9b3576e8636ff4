// The admin page (/admin) in Chromium against wrangler dev: live rooms appear and leave as `ws` clients
// join and go, the charts move, the table sorts, a kick closes the member's socket with 4403, and
// refused tokens and a lost network are said plainly. Screenshots in test-results/admin/.
import type { BrowserContextOptions, Page } from "playwright-core";
import { afterEach, describe, expect, it } from "vitest";
import { type Joined, join } from "../e2e/support/rooms.ts";
import { HandshakeError, TestSocket } from "../e2e/support/ws-client.ts";
import { browserSuite, httpPublisher, openPage, screenshot, token, WAIT_MS } from "./support.ts";

// Rooms report to the directory at most once a second here (default 10), so the page follows quickly.
const suite = browserSuite([{ vars: { DIRECTORY_REPORT_SECONDS: "1" } }]);
const PHONE: BrowserContextOptions = {
  viewport: { width: 390, height: 844 },
  deviceScaleFactor: 2,
  isMobile: true,
  hasTouch: true,
};

/** Sockets opened by a test; closed after it. */
const sockets: TestSocket[] = [];
afterEach(async () => {
  await Promise.all(sockets.splice(0).map((s) => s.shutdown()));
});

/** A short tag that starts every room name of one test, so the page's prefix filter shows only those. */
function tag(): string {
  return `t${crypto.randomUUID().slice(0, 6)}`;
}

async function member(room: string, user: string): Promise<Joined> {
  const jwt = await token(user, {
    name: user[0]?.toUpperCase() + user.slice(1),
    rooms: { [room]: ["read", "write"] },
  });
  const joined = await join(suite.server().url, room, { token: jwt, label: `${user}@${room}` });
  sockets.push(joined.sock);
  return joined;
}

/** Opens /admin with an admin token on every room (or `jwt`), filtered to `prefix`. */
async function admin(
  prefix: string,
  o: { room?: string; jwt?: string; context?: BrowserContextOptions } = {},
): Promise<Page> {
  const jwt = o.jwt ?? (await token("ops", { name: "Ops", rooms: { "*": ["admin"] } }));
  const fragment = new URLSearchParams({ token: jwt, ...(o.room ? { room: o.room } : {}) });
  const page = suite.track(
    await openPage(suite.browser, `${suite.server().url}/admin#${fragment}`, o.context),
  );
  await page.locator("#prefix").fill(prefix);
  return page;
}

function cell(page: Page, room: string, col: string) {
  return page.locator(`#rooms-body tr[data-room="${room}"] [data-col="${col}"]`);
}

function value(page: Page, room: string, col: string) {
  return cell(page, room, col).locator(".value");
}

function roomOrder(page: Page): Promise<string[]> {
  return page
    .locator("#rooms-body tr")
    .evaluateAll((rows) => rows.map((r) => r.getAttribute("data-room") ?? ""));
}

async function chart(page: Page, room: string, col: string): Promise<{ d: string; points: number }> {
  const svg = cell(page, room, col).locator("svg");
  const d = (await svg.locator(".spark-line").getAttribute("d")) ?? "";
  return { d, points: Number(await svg.getAttribute("data-points")) };
}

describe("admin page", () => {
  it("lists rooms as clients join and leave, and its charts move", async () => {
    const t = tag();
    const [lobby, support] = [`${t}-lobby`, `${t}-support`];
    const page = await admin(`${t}-`);
    await page.locator("#rooms-empty").waitFor({ timeout: WAIT_MS });
    expect(page.url()).not.toContain("token=");

    await member(lobby, "alice");
    await member(lobby, "alice");
    const bob = await member(lobby, "bob");
    const carol = await member(support, "carol");
    await value(page, lobby, "sockets").filter({ hasText: /^3$/ }).waitFor({ timeout: WAIT_MS });
    await value(page, lobby, "users").filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT_MS });
    await value(page, support, "sockets").filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#rooms-empty").isHidden()).toBe(true);
    await expect
      .poll(() => page.locator("#summary").textContent(), { timeout: WAIT_MS })
      .toBe("2 live rooms · 4 sockets");

    // Messages make the rate chart climb; every poll adds a point, so the line changes.
    const before = await chart(page, lobby, "rate");
    const publish = await httpPublisher(suite.server().url, lobby, "ops", "Ops");
    for (let i = 0; i < 20; i++) await publish(`m${i}`);
    await expect
      .poll(async () => Number(await value(page, lobby, "rate").textContent()), { timeout: WAIT_MS })
      .toBeGreaterThan(0);
    const after = await chart(page, lobby, "rate");
    expect(after.points).toBeGreaterThan(before.points);
    expect(after.d).not.toBe(before.d);
    await expect.poll(() => cell(page, lobby, "seq").textContent(), { timeout: WAIT_MS }).toBe("20");
    const socketsChart = await chart(page, lobby, "sockets");
    await expect
      .poll(async () => (await chart(page, lobby, "sockets")).d, { timeout: WAIT_MS })
      .not.toBe(socketsChart.d);

    // The selected room's panel has the same three charts at a readable size.
    await page.locator(`#rooms-body tr[data-room="${lobby}"] .room-name`).click();
    await page.locator('#admin-members li[data-user-id="bob"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#charts figure").count()).toBe(3);
    expect(
      Number(await page.locator('#charts [data-metric="sockets"] svg').getAttribute("data-points")),
    ).toBeGreaterThan(1);
    expect(page.url()).toContain(`#room=${lobby}`);
    await screenshot(page, "admin/rooms.png");

    // Leaving shows too: bob's last socket drops the user count, carol's the whole room.
    await bob.sock.shutdown();
    await value(page, lobby, "users").filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    await page
      .locator('#admin-members li[data-user-id="bob"]')
      .waitFor({ state: "detached", timeout: WAIT_MS });
    await carol.sock.shutdown();
    await page
      .locator(`#rooms-body tr[data-room="${support}"]`)
      .waitFor({ state: "detached", timeout: WAIT_MS });
  });

  it("sorts by the clicked column, and again the other way", async () => {
    const t = tag();
    const [x, y, z] = [`${t}-x`, `${t}-y`, `${t}-z`];
    await member(x, "ann");
    for (const u of ["ann", "ben", "cid"]) await member(y, u);
    for (const u of ["ann", "ben"]) await member(z, u);
    const page = await admin(`${t}-`);
    await value(page, y, "sockets").filter({ hasText: /^3$/ }).waitFor({ timeout: WAIT_MS });
    await value(page, z, "sockets").filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT_MS });
    await value(page, x, "sockets").filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    expect(await roomOrder(page)).toEqual([x, y, z]);
    expect(await page.locator('th[data-sort="room"]').getAttribute("aria-sort")).toBe("ascending");

    const sockets = page.locator('th[data-sort="sockets"] button');
    await sockets.click();
    expect(await roomOrder(page)).toEqual([y, z, x]);
    expect(await page.locator('th[data-sort="sockets"]').getAttribute("aria-sort")).toBe("descending");
    expect(await page.locator('th[data-sort="room"]').getAttribute("aria-sort")).toBeNull();
    await sockets.click();
    expect(await roomOrder(page)).toEqual([x, z, y]);
    expect(await page.locator('th[data-sort="sockets"]').getAttribute("aria-sort")).toBe("ascending");
    // The order holds across polls (rows are updated in place, not re-sorted by name).
    const polled = await chart(page, x, "sockets");
    await expect
      .poll(async () => (await chart(page, x, "sockets")).points, { timeout: WAIT_MS })
      .toBeGreaterThan(polled.points);
    expect(await roomOrder(page)).toEqual([x, z, y]);
    await page.locator('th[data-sort="room"] button').click();
    expect(await roomOrder(page)).toEqual([x, y, z]);
    // A prefix no room name can start with is refused in the page (the route would answer 400).
    await page.locator("#prefix").fill(`${t}-*`);
    await page.locator("#summary", { hasText: "A prefix is made of" }).waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#rooms-body tr").count()).toBe(0);
    expect(await page.locator("#error-banner").isHidden()).toBe(true);
  });

  it("kicks a member: their socket closes with 4403, and a ban keeps them out", async () => {
    const t = tag();
    const room = `${t}-stage`;
    const alice = await member(room, "alice");
    const bob = await member(room, "bob");
    const page = await admin(`${t}-`, { room, context: PHONE });
    const bobRow = page.locator('#admin-members li[data-user-id="bob"]');
    await bobRow.waitFor({ timeout: WAIT_MS });
    await page.locator('#admin-members li[data-user-id="alice"]').waitFor({ timeout: WAIT_MS });
    await value(page, room, "sockets").filter({ hasText: /^2$/ }).waitFor({ timeout: WAIT_MS });
    await screenshot(page, "admin/phone.png");
    // Phone layout: nothing wider than the screen, the kick button on it.
    expect(
      await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth),
    ).toBeLessThanOrEqual(0);
    const kickBox = await bobRow.locator("button.danger").boundingBox();
    expect((kickBox?.x ?? 999) + (kickBox?.width ?? 0)).toBeLessThanOrEqual(390);

    // A ban box that is not a number of seconds is refused in the page, without a request.
    await bobRow.locator("input.ban").fill("-5");
    await bobRow.locator("button.danger").click();
    await page
      .locator('#panel-note[data-kind="error"]', { hasText: "Ban seconds" })
      .waitFor({ timeout: WAIT_MS });
    expect(bob.sock.isOpen).toBe(true);

    await bobRow.locator("input.ban").fill("60");
    const closed = bob.sock.closed(WAIT_MS);
    await bobRow.locator("button.danger").click();
    expect((await closed).code).toBe(4403);
    await page
      .locator('#panel-note[data-kind="ok"]', { hasText: "Kicked bob: 1 socket closed, banned for 60 s" })
      .waitFor({ timeout: WAIT_MS });
    await bobRow.waitFor({ state: "detached", timeout: WAIT_MS });
    await screenshot(page, "admin/phone-kicked.png");
    expect(alice.sock.isOpen).toBe(true);
    // Banned: bob's next upgrade is refused.
    const again = await token("bob", { rooms: { [room]: ["read", "write"] } });
    const refused = await TestSocket.open(suite.server().url, room, { token: again }).catch(
      (e: unknown) => e,
    );
    expect(refused).toBeInstanceOf(HandshakeError);
    expect((refused as HandshakeError).status).toBe(403);
  });

  it("says so when the token is refused, and stops", async () => {
    const bad = await admin(tag(), { jwt: "not-a-token" });
    await bad
      .locator("#error-title", { hasText: "Token expired or invalid (unauthorized)" })
      .waitFor({ timeout: WAIT_MS });
    await bad.locator('#status[data-state="closed"]').waitFor({ timeout: WAIT_MS });
    expect(await bad.locator("#error-retry").isHidden()).toBe(true);
    // The refused token was forgotten: a reload shows the token form.
    await bad.reload();
    await bad.locator("#token-form").waitFor({ timeout: WAIT_MS });

    const reader = await token("rita", { rooms: { "*": ["read", "write"] } });
    const forbidden = await admin(tag(), { jwt: reader, context: PHONE });
    await forbidden.locator("#error-title", { hasText: "(forbidden)" }).waitFor({ timeout: WAIT_MS });
    await screenshot(forbidden, "admin/phone-forbidden.png");
  });

  it("says so while the network is down, and carries on when it is back", async () => {
    const t = tag();
    await member(`${t}-net`, "dave");
    const page = await admin(`${t}-`);
    await value(page, `${t}-net`, "sockets").filter({ hasText: /^1$/ }).waitFor({ timeout: WAIT_MS });
    await page.context().setOffline(true);
    await page.locator("#error-title", { hasText: "Cannot reach the server" }).waitFor({ timeout: WAIT_MS });
    await page.locator('#status[data-state="reconnecting"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator("#admin-view").getAttribute("data-phase")).toBe("stale");
    await screenshot(page, "admin/offline.png");
    await page.context().setOffline(false);
    await page.locator("#error-retry").click();
    await page.locator("#error-banner").waitFor({ state: "hidden", timeout: WAIT_MS });
    await page.locator('#status[data-state="open"]').waitFor({ timeout: WAIT_MS });
    expect(await page.locator(`#rooms-body tr[data-room="${t}-net"]`).count()).toBe(1);
  });
});
