// @vitest-environment happy-dom
// useRoom in a DOM: StrictMode double mount, unmount, enabled: false, messages, publish and callbacks.
import { act, waitFor } from "@testing-library/react";
import { describe, it } from "vitest";
import { message } from "../client/support/fake-socket.ts";
import { setupUseRoom } from "./support.ts";

const setup = setupUseRoom;

describe("useRoom", () => {
  it("connects, then renders open, the user, members and messages", async ({ expect }) => {
    const { sockets, hook } = setup();
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    expect(hook.result.current.status).toBe("connecting");
    act(() => sockets.last().accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    expect(hook.result.current.user).toEqual({ id: "ann", name: "Ann" });
    expect(hook.result.current.members.map((m) => m.id)).toEqual(["ann"]);
    act(() => sockets.last().receive(message(1, { text: "hi" })));
    expect(hook.result.current.messages.map((m) => m.data.text)).toEqual(["hi"]);
    hook.unmount();
  });

  it("StrictMode's double mount leaves exactly one open connection, and the first one closed", async ({
    expect,
  }) => {
    const { sockets, hook } = setup({}, true);
    await waitFor(() => expect(sockets.sockets.filter((s) => s.closedWith === null)).toHaveLength(1));
    // The first mount's client is closed by its cleanup (today before it even opens a socket): any
    // socket besides the live one must have been closed with 1000.
    const live = sockets.sockets.filter((s) => s.closedWith === null);
    for (const s of sockets.sockets) if (!live.includes(s)) expect(s.closedWith?.code).toBe(1000);
    const socket = sockets.last();
    expect(live).toEqual([socket]);
    act(() => socket.accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    act(() => socket.receive(message(1, { text: "once" })));
    expect(hook.result.current.messages).toHaveLength(1);
    hook.unmount();
    expect(socket.closedWith?.code).toBe(1000);
  });

  it("unmount closes the socket with 1000 and publishes from a stale result reject", async ({ expect }) => {
    const { sockets, hook } = setup();
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    act(() => sockets.last().accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    const { publish } = hook.result.current;
    hook.unmount();
    expect(sockets.last().closedWith).toEqual({ code: 1000, reason: "unmounted" });
    await expect(publish({ text: "late" })).rejects.toMatchObject({ code: "closed" });
  });

  it("enabled: false stays idle with no socket, and connects once enabled", async ({ expect }) => {
    const { sockets, hook, rerender } = setup({ enabled: false });
    expect(hook.result.current.status).toBe("idle");
    expect(hook.result.current.client).toBeNull();
    await expect(hook.result.current.publish({ text: "x" })).rejects.toMatchObject({ code: "closed" });
    expect(() => hook.result.current.direct("bob", undefined)).toThrow(/not connected/);
    expect(() => hook.result.current.setState(null)).toThrow(/not connected/);
    expect(sockets.sockets).toHaveLength(0);
    rerender({ enabled: true });
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    act(() => sockets.last().accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    rerender({ enabled: false });
    expect(sockets.last().closedWith?.code).toBe(1000);
    expect(hook.result.current.status).toBe("idle");
    expect(hook.result.current.members).toEqual([]);
    hook.unmount();
  });

  it("a new room reconnects; a new onMessage or token function does not", async ({ expect }) => {
    const seen: string[] = [];
    const { sockets, hook, rerender } = setup({ onMessage: (m) => seen.push(`a:${m.data.text}`) });
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    act(() => sockets.last().accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    rerender({ onMessage: (m) => seen.push(`b:${m.data.text}`), token: () => "other" });
    act(() => sockets.last().receive(message(1, { text: "x" })));
    expect(seen).toEqual(["b:x"]);
    expect(sockets.sockets).toHaveLength(1);
    rerender({ room: "other" });
    await waitFor(() => expect(sockets.sockets).toHaveLength(2));
    expect(sockets.sockets[0]?.closedWith?.code).toBe(1000);
    expect(sockets.last().url.pathname).toBe("/rooms/other/ws");
    expect(hook.result.current.messages).toEqual([]);
    hook.unmount();
  });

  it("keeps at most maxMessages, newest last; publish and setState go through the live client", async ({
    expect,
  }) => {
    const { sockets, hook } = setup({ maxMessages: 2 });
    await waitFor(() => expect(sockets.sockets).toHaveLength(1));
    act(() => sockets.last().accept());
    await waitFor(() => expect(hook.result.current.status).toBe("open"));
    act(() => {
      for (const n of [1, 2, 3]) sockets.last().receive(message(n, { text: `m${n}` }));
    });
    expect(hook.result.current.messages.map((m) => m.seq)).toEqual([2, 3]);
    void hook.result.current.publish({ text: "out" }).catch(() => {});
    await waitFor(() =>
      expect(
        sockets
          .last()
          .publishes()
          .map((p) => p.data),
      ).toEqual([{ text: "out" }]),
    );
    hook.unmount();
  });
});
