// The page survives a server restart: it shows the countdown, resumes, and shows every missed message once.
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { type DevServer, startDevServer } from "../support/dev-server.ts";
import {
  launchBrowser,
  messagesWithText,
  messageTexts,
  openPage,
  roomLink,
  screenshot,
  send,
  token,
  uniqueRoom,
  WAIT_MS,
  waitForStatus,
} from "./support.ts";

let server: DevServer;
let browser: Browser;
let page: Page | null = null;

beforeAll(async () => {
  [server, browser] = await Promise.all([startDevServer(), launchBrowser()]);
});

afterAll(async () => {
  await page?.context().close();
  await browser?.close();
  await server?.dispose();
});

it("reconnects after a restart and shows every message exactly once", async () => {
  const room = uniqueRoom("resume");
  const aliceJwt = await token("alice", { name: "Alice", rooms: { [room]: ["read", "write"] } });
  // Bob publishes over HTTP (admin), so his messages do not depend on any socket.
  const bobJwt = await token("bob", { name: "Bob", rooms: { [room]: ["admin"] } });
  const publish = async (text: string) => {
    const res = await fetch(`${server.url}/rooms/${room}/messages`, {
      method: "POST",
      headers: { authorization: `Bearer ${bobJwt}`, "content-type": "application/json" },
      body: JSON.stringify({ data: { text }, id: text }),
    });
    expect(res.status, `publish ${text}: ${await res.clone().text()}`).toBe(201);
  };

  page = await openPage(browser, roomLink(server.url, room, aliceJwt));
  await waitForStatus(page, "open");

  const before = ["before-1", "before-2", "before-3"];
  for (const t of before) await publish(t);
  await messagesWithText(page, "before-3").waitFor({ timeout: WAIT_MS });

  // Server down: the page counts down to its next attempt; alice's message waits as pending.
  await server.stop();
  await waitForStatus(page, "reconnecting");
  await page.locator("#status-text", { hasText: /^Reconnecting/ }).waitFor({ timeout: WAIT_MS });
  await send(page, "alice-while-offline");
  await messagesWithText(page, "alice-while-offline").and(page.locator(".pending")).waitFor({ timeout: WAIT_MS });
  await screenshot(page, "reconnecting.png");

  // Server back (same storage): bob publishes before and after the page is back.
  await server.restart();
  const during = ["during-1", "during-2", "during-3", "during-4", "during-5"];
  for (const t of during) await publish(t);
  await waitForStatus(page, "open");
  const after = ["after-1", "after-2"];
  for (const t of after) await publish(t);

  const expected = [...before, ...during, ...after];
  for (const t of expected) await messagesWithText(page, t).waitFor({ timeout: WAIT_MS });
  await messagesWithText(page, "alice-while-offline").and(page.locator(".own:not(.pending):not(.failed)[data-seq]")).waitFor({ timeout: WAIT_MS });

  await page.locator("#messages li.note", { hasText: /^Reconnected/ }).waitFor({ timeout: WAIT_MS });

  const texts = await messageTexts(page);
  for (const t of expected) expect(texts.filter((x) => x === t), `"${t}" shown once`).toHaveLength(1);
  expect(texts.filter((x) => x === "alice-while-offline")).toHaveLength(1);
  const order = expected.map((t) => texts.indexOf(t));
  expect(order).toEqual([...order].sort((a, b) => a - b));
  expect(await page.locator("#gap-banner").isHidden()).toBe(true);
  expect(await page.locator("#error-banner").isHidden()).toBe(true);
});
