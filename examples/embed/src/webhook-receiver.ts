// This app's end of roomcast's webhook: POST /webhooks/roomcast, signature checked, events logged.
// (Your backend would store them; it lives in this Worker only so the example runs on its own.)
import { Hono } from "hono";
import { type RoomEvent, verifyWebhook } from "roomcast/server";

export const webhookReceiver = new Hono<{ Bindings: { WEBHOOK_SECRET: string } }>();

webhookReceiver.post("/webhooks/roomcast", async (c) => {
  // Verify the raw body, before parsing: re-serialised JSON would not match the signature.
  const raw = await c.req.text();
  const v = await verifyWebhook(c.env.WEBHOOK_SECRET, raw, c.req.header("roomcast-signature"));
  if (!v.ok) return c.text(v.reason, 401);
  const { events } = JSON.parse(raw) as { events: RoomEvent[] };
  // Delivery is at least once: a real receiver drops repeats by (room, seq) for messages.
  for (const e of events) console.log(JSON.stringify({ event: "room_event", type: e.type, room: e.room }));
  return c.body(null, 204);
});
