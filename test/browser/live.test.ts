// Live rooms in the page: "is typing…" from signals, "away" while the tab is hidden, and a kick shown plainly.
import type { Page } from "playwright-core";
import { describe, expect, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import {
  browserSuite,
  openPage,
  roomLink,
  screenshot,
  send,
  token,
  WAIT_MS,
  waitForStatus,
} from "./support.ts";

const suite = browserSuite();

async function open(url: string): Promise<Page> {
  const page = await openPage(suite.browser, url);
  suite.track(page);
  return page;
}

async function pair(room: string): Promise<{ alice: Page; bob: Page }> {
  const rooms = { [room]: ["read", "write"] as ("read" | "write")[] };
  const alice = await open(
    roomLink(suite.server().url, room, await token("alice", { name: "Alice", rooms })),
  );
  const bob = await open(roomLink(suite.server().url, room, await token("bob", { name: "Bob", rooms })));
  await waitForStatus(alice, "open");
  await waitForStatus(bob, "open");
  await alice.locator('#members li[data-user-id="bob"]').waitFor({ timeout: WAIT_MS });
  return { alice, bob };
}

describe("live rooms in the page", () => {
  it("shows 'Alice is typing…' while she types, and clears it on its own", async () => {
    const { alice, bob } = await pair(uniqueRoom("typing"));
    await alice.locator("#composer-input").pressSequentially("hel");
    const typing = bob.locator("#typing");
    await typing.filter({ hasText: "Alice is typing…" }).waitFor({ timeout: WAIT_MS });
    await screenshot(bob, "typing.png");
    // Nothing more typed: the hint expires by itself (a few seconds after the last signal).
    await typing.waitFor({ state: "hidden", timeout: WAIT_MS });
    expect(await typing.textContent()).toBe("");
    // Typing again shows it again; sending the message clears it at once.
    await alice.locator("#composer-input").pressSequentially("lo");
    await typing.filter({ hasText: "Alice is typing…" }).waitFor({ timeout: WAIT_MS });
    await alice.locator("#composer-input").press("Enter");
    await bob.locator("#messages li.msg", { hasText: "hello" }).waitFor({ timeout: WAIT_MS });
    expect(await typing.isHidden()).toBe(true);
    // The typist does not see herself typing.
    expect(await alice.locator("#typing").isHidden()).toBe(true);
  });

  it("marks a member away while their tab is hidden", async () => {
    const { alice, bob } = await pair(uniqueRoom("away"));
    const setHidden = (hidden: boolean) =>
      bob.evaluate((h) => {
        Object.defineProperty(document, "hidden", { value: h, configurable: true });
        document.dispatchEvent(new Event("visibilitychange"));
      }, hidden);
    await setHidden(true);
    const bobAtAlice = alice.locator('#members li[data-user-id="bob"]');
    await bobAtAlice.locator(".tag.away").waitFor({ timeout: WAIT_MS });
    await setHidden(false);
    await bobAtAlice.locator(".tag.away").waitFor({ state: "detached", timeout: WAIT_MS });
  });

  it("takes a new token for the same room in place: no reconnect, the new name is used", async () => {
    const room = uniqueRoom("refresh");
    const { alice, bob } = await pair(room);
    const renamed = await token("alice", { name: "Alice Two", rooms: { [room]: ["read", "write"] } });
    await alice.evaluate(
      ([r, t]) => {
        location.hash = `#room=${encodeURIComponent(r)}&token=${encodeURIComponent(t)}`;
      },
      [room, renamed] as const,
    );
    await alice.locator("#toast", { hasText: "Token refreshed" }).waitFor({ timeout: WAIT_MS });
    expect(alice.url()).not.toContain("token=");
    await send(alice, "same socket");
    await bob
      .locator("#messages li.msg", { hasText: "same socket" })
      .filter({ hasText: "Alice Two" })
      .waitFor({ timeout: WAIT_MS });
    // Nobody saw alice leave or come back, and her page did not reconnect.
    expect(await bob.locator("#messages li.note", { hasText: "left" }).count()).toBe(0);
    expect(await alice.locator("#messages li.note", { hasText: "Reconnected" }).count()).toBe(0);
    expect(await alice.locator("#status").getAttribute("data-state")).toBe("open");
  });

  it("shows a kicked page the reason, and offers no retry", async () => {
    const room = uniqueRoom("kick");
    const { bob } = await pair(room);
    await send(bob, "spam spam spam");
    const admin = await token("mod", { rooms: { [room]: ["admin"] } });
    const res = await fetch(`${suite.server().url}/rooms/${room}/kick`, {
      method: "POST",
      headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" },
      body: JSON.stringify({ user: "bob", reason: "no spam please" }),
    });
    expect(await res.json()).toEqual({ closed: 1 });
    await waitForStatus(bob, "closed");
    const title = bob.locator("#error-title");
    await title.waitFor({ timeout: WAIT_MS });
    expect(await title.textContent()).toBe(`You were removed from #${room}: no spam please`);
    expect(await bob.locator("#error-retry").isHidden()).toBe(true);
    await screenshot(bob, "kicked.png");
  });
});
