// Black-box: `wrangler dev` runs the METRICS binding of wrangler.toml (Analytics Engine) as a local
// simulator that accepts points and keeps none. Rooms and the worker write through it without an
// error; what they wrote is asserted in the runtime suite (test/room/kinds/metrics.test.ts).
import { describe, it } from "vitest";
import { tokenFor } from "../support/tokens.ts";
import { request } from "./support/http.ts";
import { expectRefused, join } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";

const server = useDevServer();

describe("metrics under wrangler dev", () => {
  it("binds METRICS locally and writes points without an error", async ({ expect }) => {
    expect(server.output()).toMatch(/env\.METRICS \(roomcast\)\s+Analytics Engine Dataset\s+local/);
    const room = `metrics-${crypto.randomUUID()}`;
    const token = await tokenFor("ann", { [room]: ["read", "write"] });
    // A connect (the room's first count is written at once), a publish, a close, a refused upgrade.
    const { sock } = await join(server.url, room, { token });
    sock.send({ type: "publish", data: "hello", id: "m1" });
    expect(await sock.next("ack")).toMatchObject({ seq: 1 });
    await sock.shutdown();
    await expectRefused(server.url, room, {}, 401, "unauthorized");
    // The room and the worker still answer, and nothing complained about a data point.
    const again = await join(server.url, room, { token });
    await again.sock.shutdown();
    expect((await request(`${server.url}/healthz`)).status).toBe(200);
    expect(server.output()).not.toMatch(/metrics_failed|Failed to write data point/);
  });
});
