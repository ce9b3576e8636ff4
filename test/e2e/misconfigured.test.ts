// Black-box: without AUTH_SECRET every authenticated route answers 500 misconfigured, before anything else.
import { describe, it } from "vitest";
import { uniqueRoom } from "../support/names.ts";
import { tokenFor } from "../support/tokens.ts";
import { expectHttpError, request } from "./support/http.ts";
import { expectRefused } from "./support/rooms.ts";
import { useDevServer } from "./support/use-dev-server.ts";

const server = useDevServer({ noSecret: true });

const url = (path: string): string => `${server.url}${path}`;

describe("missing AUTH_SECRET", () => {
  it("/healthz still answers 200 (it is not authenticated)", async ({ expect }) => {
    const res = await request(url("/healthz"));
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ ok: true });
  });

  it("upgrades → 500 misconfigured, whatever the token (nothing is open by default)", async () => {
    const room = uniqueRoom();
    await expectRefused(server.url, room, {}, 500, "misconfigured");
    await expectRefused(
      server.url,
      room,
      { token: await tokenFor("ann", { "*": ["admin"] }) },
      500,
      "misconfigured",
    );
    // An unsigned token must not get in either.
    await expectRefused(server.url, room, { token: "garbage" }, 500, "misconfigured");
  });

  it("500 wins over bad_room and 426", async () => {
    await expectRefused(server.url, "bad!room", {}, 500, "misconfigured");
    expectHttpError(await request(url(`/rooms/${uniqueRoom()}/ws`)), 500, "misconfigured", "no Upgrade");
  });

  it("room info, HTTP publish and /auth/check → 500 misconfigured", async () => {
    const room = uniqueRoom();
    const t = await tokenFor("ann", { "*": ["admin"] });
    expectHttpError(
      await request(url(`/rooms/${room}`), { token: t }),
      500,
      "misconfigured",
      "GET /rooms/:room",
    );
    expectHttpError(
      await request(url(`/rooms/${room}/messages`), { method: "POST", token: t, body: '{"data":1}' }),
      500,
      "misconfigured",
      "POST /rooms/:room/messages",
    );
    expectHttpError(
      await request(url(`/auth/check?room=${room}`), { token: t }),
      500,
      "misconfigured",
      "/auth/check",
    );
  });
});
