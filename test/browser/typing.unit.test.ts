// The typing hint's text and the throttle on outgoing typing signals (pure, no browser).
import { describe, expect, it } from "vitest";
import { isAway } from "../../src/web/views/members-view.ts";
import { isTyping, TYPING_SEND_MS, TypingThrottle, typingText } from "../../src/web/views/typing.ts";

describe("typing hint", () => {
  it("names one or two people, counts more", () => {
    expect(typingText([])).toBe("");
    expect(typingText(["Alice"])).toBe("Alice is typing…");
    expect(typingText(["Alice", "Bob"])).toBe("Alice and Bob are typing…");
    expect(typingText(["Alice", "Bob", "Cy"])).toBe("3 people are typing…");
  });

  it("sends at most one typing signal per interval, and again at once after a send", () => {
    const t = new TypingThrottle();
    expect(t.take(0)).toBe(true);
    expect(t.take(TYPING_SEND_MS - 1)).toBe(false);
    expect(t.take(TYPING_SEND_MS)).toBe(true);
    t.reset();
    expect(t.take(TYPING_SEND_MS + 1)).toBe(true);
  });

  it("reads typing signals and away states defensively", () => {
    expect(isTyping({ typing: true })).toBe(true);
    expect(isTyping({ typing: "yes" })).toBe(false);
    expect(isTyping(null)).toBe(false);
    expect(isAway({ status: "away" })).toBe(true);
    expect(isAway("away")).toBe(false);
    expect(isAway(null)).toBe(false);
  });
});
