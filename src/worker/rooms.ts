// The Room namespace named by createRoomcast's `binding` option: every route reaches rooms through here.
import type { Room } from "../room/room.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";

/** The stub of one room's Durable Object; `500 misconfigured` when the binding is missing. */
export function roomStub(c: AppContext, room: string): DurableObjectStub<Room> {
  const name = c.var.roomcast.binding;
  const ns = (c.env as Record<string, unknown>)[name] as DurableObjectNamespace<Room> | undefined;
  if (typeof ns?.getByName !== "function") {
    throw new HttpError(
      500,
      "misconfigured",
      `no Durable Object binding "${name}": add [[durable_objects.bindings]] name = "${name}", class_name = "Room" to wrangler.toml`,
    );
  }
  return ns.getByName(room);
}
