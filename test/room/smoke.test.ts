import { describe, it } from "vitest";
import { join, token, uniqueRoom } from "../helpers/runtime.ts";

describe("smoke", () => {
  it("welcome, publish, ack, broadcast", async ({ expect }) => {
    const room = uniqueRoom();
    const a = await join(room, { token: await token({ sub: "ann" }) });
    const b = await join(room, { token: await token({ sub: "bob" }) });
    expect(a.welcome.seq).toBe(0);
    const p = await a.socket.expect("presence");
    expect(p.user.id).toBe("bob");
    a.socket.send({ type: "publish", data: { hi: 1 }, id: "m1" });
    const ack = await a.socket.expect("ack");
    expect(ack).toEqual({ type: "ack", id: "m1", seq: 1 });
    const m = await b.socket.expect("message");
    expect(m.data).toEqual({ hi: 1 });
    a.socket.close();
    b.socket.close();
  });
});
