// Where a room's Durable Objects are created: ROOM_PLACEMENT maps room patterns to a jurisdiction (the
// data never leaves it) or a location hint (where a new object starts). Pure parsing and matching, and
// the one place stubs are made with it, so the worker and the objects reach the same object.
import { errorMessage } from "../shared/errors.ts";
import { patternCovers } from "./sharding.ts";

export type Placement =
  | { jurisdiction: DurableObjectJurisdiction }
  | { locationHint: DurableObjectLocationHint };

export interface PlacementRule {
  /** a room name, a prefix ending in `*`, or `*` (as in SHARDED_ROOMS) */
  pattern: string;
  placement: Placement;
}

const JURISDICTIONS = [
  "eu",
  "fedramp",
  "fedramp-high",
  "us",
] as const satisfies readonly DurableObjectJurisdiction[];
const HINTS = [
  "wnam",
  "enam",
  "sam",
  "weur",
  "eeur",
  "apac",
  "apac-ne",
  "apac-se",
  "oc",
  "afr",
  "me",
] as const satisfies readonly DurableObjectLocationHint[];
const PATTERN = /^(?:[A-Za-z0-9._-]{1,64}|[A-Za-z0-9._-]{0,63}\*)$/;

/** Thrown for a bad ROOM_PLACEMENT; the worker answers 500 misconfigured naming the entry. */
export class PlacementError extends Error {
  override name = "PlacementError";
}

/** `"eu-*=jurisdiction:eu,apac-*=hint:apac"` → rules, in the order written (the first match wins). */
export function parsePlacement(raw: string | undefined): PlacementRule[] {
  const rules: PlacementRule[] = [];
  for (const entry of (raw ?? "").split(",").map((e) => e.trim())) {
    if (entry === "") continue;
    const m = /^([^=\s]+)\s*=\s*(jurisdiction|hint):([a-z-]+)$/.exec(entry);
    const pattern = m?.[1];
    const value = m?.[3];
    if (!m || pattern === undefined || value === undefined || !PATTERN.test(pattern)) {
      throw new PlacementError(
        `ROOM_PLACEMENT entries are <room pattern>=jurisdiction:<name> or <room pattern>=hint:<region>; got "${entry}"`,
      );
    }
    if (m[2] === "jurisdiction") {
      const j = JURISDICTIONS.find((x) => x === value);
      if (!j)
        throw new PlacementError(
          `ROOM_PLACEMENT: unknown jurisdiction "${value}" in "${entry}" (${JURISDICTIONS.join(", ")})`,
        );
      rules.push({ pattern, placement: { jurisdiction: j } });
    } else {
      const h = HINTS.find((x) => x === value);
      if (!h)
        throw new PlacementError(
          `ROOM_PLACEMENT: unknown location hint "${value}" in "${entry}" (${HINTS.join(", ")})`,
        );
      rules.push({ pattern, placement: { locationHint: h } });
    }
  }
  return rules;
}

/** The placement of `room`: the first rule whose pattern covers it, or none. */
export function placementFor(rules: readonly PlacementRule[], room: string): Placement | null {
  for (const r of rules) if (patternCovers(r.pattern, room)) return r.placement;
  return null;
}

/**
 * The stub of object `name` (a room, a sequencer, or a shard `room#k`) of `room`, placed as `room`'s
 * rule says. Every object of a room uses this, so a sharded room's sequencer and shards reach each
 * other in the same jurisdiction.
 */
export function placedStub<T extends Rpc.DurableObjectBranded | undefined>(
  ns: DurableObjectNamespace<T>,
  name: string,
  placement: Placement | null,
): DurableObjectStub<T> {
  if (placement === null) return ns.getByName(name);
  if ("jurisdiction" in placement) {
    try {
      return ns.jurisdiction(placement.jurisdiction).getByName(name);
    } catch (err) {
      // workerd (wrangler dev, tests) answers "Jurisdiction restrictions are not implemented".
      throw new PlacementError(
        `ROOM_PLACEMENT puts '${name}' in jurisdiction '${placement.jurisdiction}', which this runtime cannot do (${errorMessage(err)}); locally, override ROOM_PLACEMENT (e.g. --var ROOM_PLACEMENT:) or use hint:<region>`,
      );
    }
  }
  return ns.getByName(name, { locationHint: placement.locationHint });
}
