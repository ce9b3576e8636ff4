// `rewind`: recent history on the first connection only; every later connection resumes with since/epoch.
import { describe, expect, it } from "vitest";
import { parseBaseUrl, socketUrl } from "../../src/client/connection/url.ts";
import { connect } from "../../src/client/index.ts";
import { flush, harness, useFakeTimersPerTest } from "./support/client-harness.ts";
import { message, socketFactory, welcome } from "./support/fake-socket.ts";

useFakeTimersPerTest();

const params = (url: URL) => Object.fromEntries(url.searchParams);

describe("rewind", () => {
  it("is in the first URL only; the reconnect resumes with since/epoch instead", async () => {
    const h = harness({ rewind: 50 });
    const s1 = h.sockets.last();
    expect(params(s1.url)).toEqual({ token: "tok", batch: "1", v: "2", rewind: "50" });

    // The room replays its recent history as ordinary messages between welcome and synced.
    s1.open();
    s1.receive(welcome({ epoch: "E", seq: 12 }));
    for (const seq of [10, 11, 12]) s1.receive(message(seq));
    s1.receive({ type: "synced", seq: 12, replayed: 3, gap: false });
    s1.receive(message(13));
    expect(h.of("message").map((m) => m.seq)).toEqual([10, 11, 12, 13]);
    expect(h.of("synced")).toEqual([{ seq: 12, replayed: 3, gap: false }]);

    s1.serverClose(1006);
    await flush(1_000);
    const s2 = h.sockets.last();
    expect(s2).not.toBe(s1);
    expect(params(s2.url)).toEqual({ token: "tok", batch: "1", v: "2", since: "13", epoch: "E" });

    // An overlapping replay is still de-duplicated by seq.
    s2.open();
    s2.receive(welcome({ epoch: "E", seq: 14 }));
    for (const seq of [12, 13, 14]) s2.receive(message(seq));
    s2.receive({ type: "synced", seq: 14, replayed: 3, gap: false });
    expect(h.of("message").map((m) => m.seq)).toEqual([10, 11, 12, 13, 14]);
    h.client.close();
  });

  it("delivers the user's own earlier messages (e.g. before a page reload) like anyone else's", () => {
    const h = harness({ rewind: 5 });
    const s = h.sockets.last();
    s.open();
    s.receive(welcome({ epoch: "E", seq: 2 }));
    s.receive(message(1, "from my last visit", { id: "ann", name: "Ann" }, "old-publish-id"));
    s.receive(message(2));
    s.receive({ type: "synced", seq: 2, replayed: 2, gap: false });
    expect(h.of("welcome")[0]?.user.id).toBe("ann");
    expect(h.of("message").map((m) => [m.seq, m.from.id])).toEqual([
      [1, "ann"],
      [2, "bob"],
    ]);
    h.client.close();
  });

  it("is sent again while there is still no resume point: attempts that never got a welcome", async () => {
    const h = harness({ rewind: 20 });
    h.sockets.last().fail();
    await flush(1_000);
    expect(h.sockets.sockets).toHaveLength(2);
    expect(params(h.sockets.last().url)).toEqual({ token: "tok", batch: "1", v: "2", rewind: "20" });
    h.client.close();
  });

  it("a drop in the middle of the replay resumes after the last message delivered", async () => {
    const h = harness({ rewind: 50 });
    const s1 = h.sockets.last();
    s1.open();
    s1.receive(welcome({ epoch: "E", seq: 40 }));
    for (const seq of [31, 32]) s1.receive(message(seq));
    s1.serverClose(1006);
    await flush(1_000);
    expect(params(h.sockets.last().url)).toEqual({
      token: "tok",
      batch: "1",
      v: "2",
      since: "32",
      epoch: "E",
    });
    h.client.close();
  });

  it("is ignored when the app passes a resume point, and omitted when 0 or not set", () => {
    const resumed = harness({ rewind: 50, since: 7, epoch: "E" });
    expect(params(resumed.sockets.last().url)).toEqual({
      token: "tok",
      batch: "1",
      v: "2",
      since: "7",
      epoch: "E",
    });
    resumed.client.close();
    for (const rewind of [0, undefined]) {
      const h = harness(rewind === undefined ? {} : { rewind });
      expect(params(h.sockets.last().url)).toEqual({ token: "tok", batch: "1", v: "2" });
      h.client.close();
    }
  });

  it("must be an integer from 0 to 1 000 000 (connect throws otherwise)", () => {
    const base = { url: "http://h", room: "lobby", token: "t", createWebSocket: socketFactory().create };
    for (const rewind of [-1, 1.5, Number.NaN, Number.POSITIVE_INFINITY, 1_000_001]) {
      expect(() => connect({ ...base, rewind }), String(rewind)).toThrow(
        /rewind must be an integer from 0 to 1000000/,
      );
    }
    const c = connect({ ...base, rewind: 1_000_000 });
    c.close();
  });

  it("socketUrl: rewind only without a resume point", () => {
    const base = parseBaseUrl("https://x.example");
    expect(socketUrl(base, "r", "t", null, 5)).toBe(
      "wss://x.example/rooms/r/ws?token=t&batch=1&v=2&rewind=5",
    );
    expect(socketUrl(base, "r", "t", { epoch: "E", since: 3 }, 5)).toBe(
      "wss://x.example/rooms/r/ws?token=t&batch=1&v=2&since=3&epoch=E",
    );
  });
});
