// Two people chat in the page: messages, own marking, presence, escaping, reload, and screenshots.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import {
  browserSuite,
  messagesWithText,
  messageTexts,
  openPage,
  roomLink,
  screenshot,
  send,
  token,
  WAIT_MS,
  waitForStatus,
} from "./support.ts";

const suite = browserSuite();

async function open(url: string, options?: Parameters<typeof openPage>[2]): Promise<Page> {
  const page = await openPage(suite.browser, url, options);
  suite.track(page);
  return page;
}

describe("chat between two browsers", () => {
  it("shows messages, own marking and presence for alice and bob", async () => {
    const room = uniqueRoom("chat");
    const aliceJwt = await token("alice", { name: "Alice", rooms: { [room]: ["read", "write"] } });
    const bobJwt = await token("bob", { name: "Bob", rooms: { [room]: ["read", "write"] } });

    const alice = await open(roomLink(suite.server().url, room, aliceJwt));
    await waitForStatus(alice, "open");
    // The token leaves the address bar; the room stays.
    expect(alice.url()).not.toContain("token=");
    expect(alice.url()).toContain(`#room=${room}`);

    // Bob pastes room and token into the form instead of using a link.
    const bob = await open(`${suite.server().url}/`);
    await bob.locator("#join-view").waitFor({ timeout: WAIT_MS });
    await screenshot(bob, "join.png");
    await bob.locator("#join-room").fill(room);
    await bob.locator("#join-token").fill(bobJwt);
    await bob.locator("#join-form button[type=submit]").click();
    await waitForStatus(bob, "open");

    // Presence: each sees the other in the member list; alice gets a join note.
    await alice.locator('#members li[data-user-id="bob"]').waitFor({ timeout: WAIT_MS });
    await bob.locator('#members li[data-user-id="alice"]').waitFor({ timeout: WAIT_MS });
    expect(await bob.locator("#members li").count()).toBe(2);
    await alice.locator("#messages li.note", { hasText: "Bob joined" }).waitFor({ timeout: WAIT_MS });

    // Alice's message: own and sent for her, from Alice for bob; markup stays text.
    const hello = "Hi Bob <b>not bold</b> & <script>alert(1)</script>";
    await send(alice, hello);
    const mine = messagesWithText(alice, hello);
    await mine.and(alice.locator(".own:not(.pending)[data-seq]")).waitFor({ timeout: WAIT_MS });
    const atBob = messagesWithText(bob, hello);
    await atBob.waitFor({ timeout: WAIT_MS });
    expect(await atBob.getAttribute("class")).not.toContain("own");
    expect(await atBob.locator(".msg-from").textContent()).toBe("Alice");
    expect(await atBob.locator("b, script").count()).toBe(0);
    expect(await atBob.getAttribute("data-seq")).toBe(await mine.getAttribute("data-seq"));

    await send(bob, "Hello Alice!");
    const reply = messagesWithText(alice, "Hello Alice!");
    await reply.waitFor({ timeout: WAIT_MS });
    expect(await reply.getAttribute("class")).not.toContain("own");
    expect(await messagesWithText(bob, "Hello Alice!").getAttribute("class")).toContain("own");

    // Reload keeps alice in the room (token kept for this tab) and shows the conversation again (the
    // page joins with `rewind`): each message once, in order, hers still hers, as plain history.
    await alice.reload();
    await waitForStatus(alice, "open");
    await alice.locator('#members li[data-user-id="bob"]').waitFor({ timeout: WAIT_MS });
    // The page sets this text on `synced`, i.e. once the replay is complete.
    await alice
      .locator("#empty", { hasText: "No messages yet" })
      .waitFor({ state: "attached", timeout: WAIT_MS });
    expect(await messageTexts(alice)).toEqual([hello, "Hello Alice!"]);
    expect(await messagesWithText(alice, hello).getAttribute("class")).toContain("own");
    expect(await messagesWithText(alice, hello).getAttribute("data-seq")).toBe(
      await atBob.getAttribute("data-seq"),
    );
    expect(await messagesWithText(alice, "Hello Alice!").getAttribute("class")).not.toContain("own");
    expect(await alice.locator("#messages li.note", { hasText: "Reconnected" }).count()).toBe(0);
    expect(await alice.locator("#gap-banner").isHidden()).toBe(true);
    // Live messages continue after the replayed ones.
    await send(bob, "Welcome back");
    await messagesWithText(alice, "Welcome back").waitFor({ timeout: WAIT_MS });
    expect(await messageTexts(alice)).toEqual([hello, "Hello Alice!", "Welcome back"]);

    await bob.locator("#leave").click();
    await bob.locator("#join-view").waitFor({ timeout: WAIT_MS });
    await alice.locator('#members li[data-user-id="bob"]').waitFor({ state: "detached", timeout: WAIT_MS });
    expect(await alice.locator("#members li").count()).toBe(1);

    // A new link pasted into the open page switches rooms, and its token leaves the address bar too.
    const room2 = uniqueRoom("chat2");
    const jwt2 = await token("alice", { name: "Alice", rooms: { [room2]: ["read", "write"] } });
    await alice.evaluate((hash) => {
      location.hash = hash;
    }, `#room=${room2}&token=${jwt2}`);
    await alice.locator("#room-name", { hasText: room2 }).waitFor({ timeout: WAIT_MS });
    await waitForStatus(alice, "open");
    expect(alice.url()).toMatch(new RegExp(`#room=${room2}$`));
    expect(await alice.locator("#messages li.msg").count()).toBe(0);
  });

  it("looks right on desktop and phone (screenshots in test-results/)", async () => {
    const room = uniqueRoom("design");
    const jwt = (id: string, name: string) => token(id, { name, rooms: { [room]: ["read", "write"] } });

    const alice = await open(roomLink(suite.server().url, room, await jwt("alice", "Alice Martin")));
    await waitForStatus(alice, "open");
    const bob = await open(roomLink(suite.server().url, room, await jwt("bob", "Bob")), {
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
    });
    await waitForStatus(bob, "open");
    const carol = await open(roomLink(suite.server().url, room, await jwt("carol", "Carol")), {
      colorScheme: "dark",
    });
    await waitForStatus(carol, "open");

    const lines: [Page, string][] = [
      [alice, "Morning all! Is the deploy still on for today?"],
      [bob, "Yes, at 14:00. I'll post the checklist here."],
      [bob, "1. Freeze main\n2. Tag the release\n3. Watch the dashboards for 15 minutes"],
      [carol, "Sounds good. I'm on call, ping me if anything looks off."],
      [
        alice,
        "Thanks! A very long link for good measure: https://example.com/a/really/long/path/that/should/wrap/nicely/on/small/screens?with=query&and=more",
      ],
    ];
    for (const [page, text] of lines) {
      await send(page, text);
      for (const p of [alice, bob, carol]) await messagesWithText(p, text).waitFor({ timeout: WAIT_MS });
    }
    for (const p of [alice, bob, carol]) {
      await p.locator("#members li").nth(2).waitFor({ state: "attached", timeout: WAIT_MS });
    }

    const desktop = await screenshot(alice, "chat.png");
    const phone = await screenshot(bob, "chat-phone.png");
    await bob.locator("#members-toggle").click();
    await bob.locator("#members-panel.open").waitFor({ timeout: WAIT_MS });
    const phoneMembers = await screenshot(bob, "chat-phone-members.png");
    const dark = await screenshot(carol, "chat-dark.png");
    expect([desktop, phone, phoneMembers, dark]).toHaveLength(4);

    // Phone layout: nothing wider than the viewport, composer and send button on screen.
    const overflow = await bob.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    const sendBox = await bob.locator("#send").boundingBox();
    expect(sendBox).not.toBeNull();
    expect((sendBox?.x ?? 999) + (sendBox?.width ?? 0)).toBeLessThanOrEqual(390);
    expect((sendBox?.y ?? 999) + (sendBox?.height ?? 0)).toBeLessThanOrEqual(844);
  });

  it("marks a refused message as failed with the reason, and keeps the connection", async () => {
    const room = uniqueRoom("readonly");
    const reader = await open(
      roomLink(suite.server().url, room, await token("rita", { name: "Rita", rooms: { [room]: ["read"] } })),
    );
    await waitForStatus(reader, "open");
    await send(reader, "can I write here?");
    const failed = messagesWithText(reader, "can I write here?").and(reader.locator(".own.failed"));
    await failed.waitFor({ timeout: WAIT_MS });
    expect(await failed.locator(".msg-error").textContent()).toBe(
      "Not sent: you may read but not write in this room (forbidden)",
    );
    expect(await failed.locator("button", { hasText: "Retry" }).isVisible()).toBe(true);
    expect(await reader.locator("#status").getAttribute("data-state")).toBe("open");
    await screenshot(reader, "failed.png");
  });
});
