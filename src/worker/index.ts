// Worker entry: the Hono app handles requests; the Room Durable Object class is exported for its binding.
export { default } from "./app.ts";
export { Room } from "../room/room.ts";
