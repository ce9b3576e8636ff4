// The Room namespace named by createRoomcast's `binding` option: every route reaches rooms through here.
import type { Room } from "../room/room.ts";
import { placedStub, placementFor } from "../server/placement.ts";
import type { Settings } from "../server/settings.ts";
import { HttpError } from "./http-error.ts";
import type { AppContext } from "./options.ts";

/** The stub of one room's Durable Object, placed by ROOM_PLACEMENT; `500 misconfigured` without the binding. */
export function roomStub(c: AppContext, settings: Settings, room: string): DurableObjectStub<Room> {
  const name = c.var.roomcast.binding;
  const ns = (c.env as Record<string, unknown>)[name] as DurableObjectNamespace<Room> | undefined;
  if (typeof ns?.getByName !== "function") {
    throw new HttpError(
      500,
      "misconfigured",
      `no Durable Object binding "${name}": add [[durable_objects.bindings]] name = "${name}", class_name = "Room" to wrangler.toml`,
    );
  }
  return placedStub(ns, room, placementFor(settings.placement, room));
}
