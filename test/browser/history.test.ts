// Scroll-back in the page: "Load earlier messages" prepends older pages once, in order, keeps the
// reader's place, shows failures with a Retry, and says when the beginning of history is reached.
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import {
  browserSuite,
  httpPublisher,
  messagesWithText,
  messageTexts,
  openPage,
  roomLink,
  token,
  WAIT_MS,
  waitForStatus,
} from "./support.ts";

const suite = browserSuite();
const TOTAL = 80;
/** The page joins with rewind 50 (JOIN_HISTORY). */
const REWIND = 50;

describe("load earlier messages", () => {
  it("pages back to the beginning of history on scroll and on the control, each message once", async () => {
    const room = uniqueRoom("history");
    const publish = await httpPublisher(suite.server().url, room);
    const texts = Array.from({ length: TOTAL }, (_, i) => `message ${String(i + 1).padStart(3, "0")}`);
    for (const t of texts) await publish(t);

    const jwt = await token("alice", { name: "Alice", rooms: { [room]: ["read", "write"] } });
    const page = suite.track(await openPage(suite.browser, roomLink(suite.server().url, room, jwt)));
    await waitForStatus(page, "open");
    const control = page.locator("#history");
    await control
      .locator("#history-load", { hasText: "Load earlier messages" })
      .waitFor({ timeout: WAIT_MS });
    expect(await messageTexts(page)).toEqual(texts.slice(TOTAL - REWIND));

    // The first attempt fails (network down): the error is shown, and scrolling does not retry by itself.
    await page.route("**/rooms/*/messages?*", (route) => route.abort("internetdisconnected"));
    await page.locator("#timeline").evaluate((t) => {
      t.scrollTop = 0;
    });
    await control.locator('[role="alert"]', { hasText: "Could not load earlier messages" }).waitFor({
      timeout: WAIT_MS,
    });
    expect(await messageTexts(page)).toHaveLength(REWIND);

    // Retry on the control: the earlier page is prepended, and what was at the top stays in view.
    await page.unroute("**/rooms/*/messages?*");
    const firstShown = messagesWithText(page, texts[TOTAL - REWIND] ?? "");
    await control.locator("#history-load", { hasText: "Retry" }).click();
    await control.locator("#history-text", { hasText: "Beginning of history" }).waitFor({ timeout: WAIT_MS });
    expect(await control.locator("#history-load").isHidden()).toBe(true);
    expect(await messageTexts(page)).toEqual(texts);
    const seqs = await page
      .locator("#messages > li.msg")
      .evaluateAll((items) => items.map((i) => Number((i as HTMLElement).dataset.seq)));
    expect(new Set(seqs).size).toBe(TOTAL);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    const timeline = await page.locator("#timeline").boundingBox();
    const kept = await firstShown.boundingBox();
    expect(timeline && kept).toBeTruthy();
    if (timeline && kept) {
      expect(kept.y).toBeGreaterThanOrEqual(timeline.y - 1);
      expect(kept.y).toBeLessThan(timeline.y + timeline.height);
    }

    // At the beginning: scrolling to the top again asks for nothing more and duplicates nothing.
    let requests = 0;
    page.on("request", (r) => {
      if (r.url().includes("/messages?")) requests++;
    });
    await page.locator("#timeline").evaluate((t) => {
      t.scrollTop = 0;
    });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    expect(requests).toBe(0);
    expect(await messageTexts(page)).toEqual(texts);
  });
});
