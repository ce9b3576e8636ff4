// The page survives a server restart: countdown, resume, every missed message once, and the gap banner.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import type { DevServer } from "../support/dev-server.ts";
import { uniqueRoom } from "../support/names.ts";
import {
  browserSuite,
  freezeClock,
  httpPublisher,
  messagesWithText,
  messageTexts,
  roomLink,
  screenshot,
  send,
  token,
  WAIT_MS,
  waitForStatus,
  watchErrors,
} from "./support.ts";

/** Small enough that a short outage overflows it. */
const HISTORY_LIMIT = 3;

const suite = browserSuite([{}, { vars: { HISTORY_LIMIT: String(HISTORY_LIMIT) } }]);

/** Alice's page on `srv`, with a controllable clock, connected. */
async function alicePage(srv: DevServer, room: string): Promise<Page> {
  const jwt = await token("alice", { name: "Alice", rooms: { [room]: ["read", "write"] } });
  const context = await suite.browser.newContext({ viewport: { width: 1280, height: 800 } });
  const page = await context.newPage();
  suite.track(page);
  watchErrors(page);
  await page.clock.install();
  await page.goto(roomLink(srv.url, room, jwt));
  await waitForStatus(page, "open");
  return page;
}

/** Stops `srv`, waits for the page to notice, freezes its retry timers, and restarts `srv`. */
async function outage(srv: DevServer, page: Page, whileDown: () => Promise<void>): Promise<void> {
  await srv.stop();
  await waitForStatus(page, "reconnecting");
  await page.locator("#status-text", { hasText: /^Reconnecting/ }).waitFor({ timeout: WAIT_MS });
  await whileDown();
  await freezeClock(page);
  await srv.restart();
}

describe("server restart", () => {
  it("reconnects and shows every message exactly once, in order", async () => {
    const room = uniqueRoom("resume");
    const publish = await httpPublisher(suite.server().url, room);
    const page = await alicePage(suite.server(), room);

    const before = ["before-1", "before-2", "before-3"];
    for (const t of before) await publish(t);
    await messagesWithText(page, "before-3").waitFor({ timeout: WAIT_MS });

    await outage(suite.server(), page, async () => {
      // Alice writes while the server is down: shown at once, pending.
      await send(page, "alice-while-offline");
      await messagesWithText(page, "alice-while-offline")
        .and(page.locator(".pending"))
        .waitFor({ timeout: WAIT_MS });
      await screenshot(page, "reconnecting.png");
    });
    // The server is back but the page's retry timer is frozen: these are missed for sure.
    const during = ["during-1", "during-2", "during-3", "during-4", "during-5"];
    for (const t of during) await publish(t);
    await page.clock.resume();
    await waitForStatus(page, "open");
    await page
      .locator("#messages li.note", { hasText: "Reconnected · 5 missed messages restored" })
      .waitFor({ timeout: WAIT_MS });
    const after = ["after-1", "after-2"];
    for (const t of after) await publish(t);

    const expected = [...before, ...during, ...after];
    for (const t of expected) await messagesWithText(page, t).waitFor({ timeout: WAIT_MS });
    const sent = messagesWithText(page, "alice-while-offline").and(
      page.locator(".own:not(.pending):not(.failed)[data-seq]"),
    );
    await sent.waitFor({ timeout: WAIT_MS });

    const texts = await messageTexts(page);
    for (const t of [...expected, "alice-while-offline"]) {
      expect(
        texts.filter((x) => x === t),
        `"${t}" shown once`,
      ).toHaveLength(1);
    }
    const order = expected.map((t) => texts.indexOf(t));
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(await page.locator("#gap-banner").isHidden()).toBe(true);
    expect(await page.locator("#error-banner").isHidden()).toBe(true);
  });

  it("shows the gap banner when more was missed than the room keeps", async () => {
    const room = uniqueRoom("gap");
    const publish = await httpPublisher(suite.server(1).url, room);
    const page = await alicePage(suite.server(1), room);
    await publish("seen-1");
    await messagesWithText(page, "seen-1").waitFor({ timeout: WAIT_MS });

    await outage(suite.server(1), page, async () => {});
    const missed = ["missed-1", "missed-2", "missed-3", "missed-4", "missed-5", "missed-6"];
    for (const t of missed) await publish(t);
    await page.clock.resume();

    await page.locator("#gap-banner").waitFor({ timeout: WAIT_MS });
    // What the room still keeps is replayed; the rest is gone, and the banner says so.
    const kept = missed.slice(-HISTORY_LIMIT);
    for (const t of kept) await messagesWithText(page, t).waitFor({ timeout: WAIT_MS });
    const texts = await messageTexts(page);
    expect(texts).toEqual(["seen-1", ...kept]);
    const note = page.locator("#messages li.note.warn");
    expect(await note.textContent()).toBe(
      "Reconnected · some messages are missing · 3 missed messages restored",
    );
    // The note sits where the gap is: between what was seen and what was restored.
    const kinds = await page
      .locator("#messages > li")
      .evaluateAll((items) =>
        items.map((i) =>
          i.classList.contains("note") ? "note" : (i.textContent ?? "").includes("seen-1") ? "seen" : "msg",
        ),
      );
    expect(kinds).toEqual(["seen", "note", "msg", "msg", "msg"]);
    await screenshot(page, "gap.png");
  });
});
