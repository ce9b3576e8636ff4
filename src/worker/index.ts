// Worker entry: the Hono app handles requests; the Room Durable Object class is exported for its binding.

export { Room } from "../room/room.ts";
export { default } from "./app.ts";
