// The `rooms` claim: any valid room name is a key (`__proto__`, `constructor`, `prototype` too);
// an array of arrays is malformed.
import { describe, it } from "vitest";
import { parseRooms } from "../../src/server/token.ts";
import { call, errorOf, join, token } from "../helpers/runtime.ts";

describe("rooms claim", () => {
  for (const room of ["__proto__", "constructor", "prototype", "toString", "hasOwnProperty"]) {
    it(`grants the room named ${room}`, async ({ expect }) => {
      // JSON with the key spelled out: an object literal would set the prototype instead.
      const rooms = JSON.parse(`{"${room}":["read","write"]}`) as unknown;
      const tok = await token({ sub: `u-${room}`, rooms });
      const { socket, welcome } = await join(room, { token: tok });
      expect(welcome.room).toBe(room);
      socket.close();
      const other = await call("/auth/check?room=lobby", { headers: { Authorization: `Bearer ${tok}` } });
      expect(await errorOf(other)).toMatchObject({ status: 403, code: "forbidden" });
    });
  }

  it("an array of arrays is 401", async ({ expect }) => {
    const tok = await token({ rooms: [["read"]] });
    const res = await call("/auth/check?room=lobby", { headers: { Authorization: `Bearer ${tok}` } });
    expect(await errorOf(res)).toMatchObject({ status: 401, code: "unauthorized" });
  });

  it("parses into a Map without touching prototypes", ({ expect }) => {
    const grants = parseRooms(JSON.parse('{"__proto__":["admin"],"lobby":["read"]}'));
    expect(grants && [...grants]).toEqual([
      ["__proto__", ["admin"]],
      ["lobby", ["read"]],
    ]);
    expect(parseRooms(["a", "b*"])).toEqual(
      new Map([
        ["a", ["read", "write"]],
        ["b*", ["read", "write"]],
      ]),
    );
    for (const bad of [[["read"]], { a: "read" }, { "": ["read"] }, { a: ["fly"] }, "a", null, 3]) {
      expect(parseRooms(bad), JSON.stringify(bad)).toBeNull();
    }
  });
});
