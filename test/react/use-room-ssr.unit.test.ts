// useRoom under server rendering: importing it needs no window, and the server renders it idle.
import { createElement } from "react";
import { renderToString } from "react-dom/server";
import { describe, it } from "vitest";
import { useRoom } from "../../src/react/index.ts";

function Chat() {
  const { status, members, messages } = useRoom<{ text: string }>({
    url: "https://rooms.example",
    room: "lobby",
    token: "t",
    createWebSocket: () => {
      throw new Error("no socket may open during SSR");
    },
  });
  return createElement("p", null, `${status}:${members.length}:${messages.length}`);
}

describe("useRoom on the server", () => {
  it("imports and renders without window or WebSocket, as idle", ({ expect }) => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe("undefined");
    expect(renderToString(createElement(Chat))).toBe("<p>idle:0:0</p>");
  });
});
