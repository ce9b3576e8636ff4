// @vitest-environment happy-dom
// useRoom's own publishes in `messages` (echo), and refusals it must show and stop on.
import { act, waitFor } from "@testing-library/react";
import { describe, it } from "vitest";
import type { UseRoomOptions } from "../../src/react/index.ts";
import { fakeFetch, message } from "../client/support/fake-socket.ts";
import { type Chat, setupUseRoom } from "./support.ts";

const errorBody = (code: string, msg: string) => ({ error: { code, message: msg } });

function setup(over: Partial<UseRoomOptions<Chat>> = {}) {
  return setupUseRoom({ backoff: { baseMs: 10 }, ...over });
}

/** Opens the hook's connection and waits for `open`. */
async function opened(s: ReturnType<typeof setup>) {
  await waitFor(() => {
    if (s.sockets.sockets.length === 0) throw new Error("no socket yet");
  });
  act(() => s.sockets.last().accept());
  await waitFor(() => {
    if (s.hook.result.current.status !== "open") throw new Error("not open yet");
  });
}

describe("useRoom echo", () => {
  it("adds the user's own publish to messages once acked, in seq order, and to onMessage", async ({
    expect,
  }) => {
    const seen: number[] = [];
    const s = setup({ onMessage: (m) => seen.push(m.seq) });
    await opened(s);
    act(() => s.sockets.last().receive(message(1, { text: "from bob" })));
    let seq: number | undefined;
    const published = s.hook.result.current.publish({ text: "mine" }).then((n) => {
      seq = n;
    });
    await waitFor(() => expect(s.sockets.last().publishes()).toHaveLength(1));
    const sent = s.sockets.last().publishes()[0];
    expect(s.hook.result.current.messages.map((m) => m.seq)).toEqual([1]); // not before the ack
    // Bob's seq 3 arrives before the ack of seq 2: the list still reads in seq order.
    act(() => s.sockets.last().receive(message(3, { text: "bob again" })));
    act(() => s.sockets.last().receive({ type: "ack", id: sent?.id, seq: 2 }));
    await act(() => published);
    expect(seq).toBe(2);
    const msgs = s.hook.result.current.messages;
    expect(msgs.map((m) => [m.seq, m.data.text])).toEqual([
      [1, "from bob"],
      [2, "mine"],
      [3, "bob again"],
    ]);
    expect(msgs[1]).toMatchObject({ type: "message", id: sent?.id, from: { id: "ann", name: "Ann" } });
    expect(seen).toEqual([1, 3, 2]);
    s.hook.unmount();
  });

  it("echoes the data as the room stored it when its onPublish hook changed it (ack.data)", async ({
    expect,
  }) => {
    const seen: string[] = [];
    const s = setup({ onMessage: (m) => seen.push(m.data.text) });
    await opened(s);
    const published = s.hook.result.current.publish({ text: "darn" });
    await waitFor(() => expect(s.sockets.last().publishes()).toHaveLength(1));
    const sent = s.sockets.last().publishes()[0];
    act(() => s.sockets.last().receive({ type: "ack", id: sent?.id, seq: 1, data: { text: "d**n" } }));
    await act(() => published);
    expect(s.hook.result.current.messages.map((m) => m.data.text)).toEqual(["d**n"]);
    expect(seen).toEqual(["d**n"]);
    s.hook.unmount();
  });

  it("echo: false leaves own publishes out", async ({ expect }) => {
    const s = setup({ echo: false });
    await opened(s);
    const published = s.hook.result.current.publish({ text: "mine" });
    await waitFor(() => expect(s.sockets.last().publishes()).toHaveLength(1));
    act(() => s.sockets.last().receive({ type: "ack", id: s.sockets.last().publishes()[0]?.id, seq: 1 }));
    await act(() => published);
    expect(s.hook.result.current.messages).toEqual([]);
    s.hook.unmount();
  });
});

describe("useRoom refusals", () => {
  it("a fixed token the server refuses closes for good with unauthorized; a new token connects again", async ({
    expect,
  }) => {
    const s = setup({ fetch: fakeFetch(401, errorBody("unauthorized", "bad signature")).fetch });
    await waitFor(() => expect(s.sockets.sockets).toHaveLength(1));
    act(() => s.sockets.last().fail());
    await waitFor(() => expect(s.hook.result.current.status).toBe("closed"));
    expect(s.hook.result.current.error?.code).toBe("unauthorized");
    expect(s.sockets.sockets).toHaveLength(1);
    s.rerender({ token: "fresh" });
    await waitFor(() => expect(s.sockets.sockets).toHaveLength(2));
    expect(s.sockets.last().url.searchParams.get("token")).toBe("fresh");
    s.hook.unmount();
  });

  it("a refused origin is the error, with the setting that fixes it, and no retry", async ({ expect }) => {
    const s = setup({
      fetch: fakeFetch(403, errorBody("origin_not_allowed", "origin http://127.0.0.1:5173 is not allowed"))
        .fetch,
    });
    await waitFor(() => expect(s.sockets.sockets).toHaveLength(1));
    act(() => s.sockets.last().fail());
    await waitFor(() => expect(s.hook.result.current.status).toBe("closed"));
    expect(s.hook.result.current.error?.code).toBe("origin_not_allowed");
    expect(s.hook.result.current.error?.message).toContain("ALLOWED_ORIGINS");
    expect(s.sockets.sockets).toHaveLength(1);
    s.hook.unmount();
  });
});
