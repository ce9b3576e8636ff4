// Small live charts for the admin page as inline SVG: a pure path builder (unit-tested) and a thin
// element that redraws it. A chart library would be far bigger than these few lines.
import type { Point } from "./series.ts";
import { formatSpan } from "./text.ts";

const SVG_NS = "http://www.w3.org/2000/svg";

/** The drawing box and the time span a chart shows. */
export interface Frame {
  width: number;
  height: number;
  /** Time at the left edge and at the right edge. */
  from: number;
  to: number;
  /** The value at the top edge (at least 1, so a flat zero line sits at the bottom). */
  max: number;
}

/** The top of the scale for these points: their maximum, rounded up to a whole number, at least 1. */
export function scaleMax(points: readonly Point[]): number {
  return Math.max(1, Math.ceil(Math.max(0, ...points.map((p) => p.v))));
}

/**
 * The SVG path of a line through the points (time → x, value → y, 1 px kept free at top and bottom),
 * with coordinates rounded to 0.1 px; "" without points. One point draws a dot-sized segment.
 */
export function linePath(points: readonly Point[], f: Frame): string {
  if (points.length === 0) return "";
  const span = Math.max(1, f.to - f.from);
  const x = (t: number) => round(((t - f.from) / span) * f.width);
  const y = (v: number) => round(f.height - 1 - (Math.min(v, f.max) / f.max) * (f.height - 2));
  const coords = points.map((p) => `${x(p.t)} ${y(p.v)}`);
  if (coords.length === 1) return `M${coords[0]}h-1`;
  return `M${coords.join("L")}`;
}

/** The same line closed down to the bottom edge, for a light fill under it; "" with fewer than 2 points. */
export function areaPath(points: readonly Point[], f: Frame): string {
  const first = points[0];
  const last = points.at(-1);
  if (points.length < 2 || first === undefined || last === undefined) return "";
  const span = Math.max(1, f.to - f.from);
  const x = (t: number) => round(((t - f.from) / span) * f.width);
  return `${linePath(points, f)}L${x(last.t)} ${f.height}L${x(first.t)} ${f.height}Z`;
}

function round(n: number): number {
  return Math.round(n * 10) / 10;
}

/** One chart element: an `<svg>` whose line and fill are redrawn by `draw`. */
export class Sparkline {
  readonly element: SVGSVGElement;
  readonly #line: SVGPathElement;
  readonly #area: SVGPathElement;
  readonly #width: number;
  readonly #height: number;
  readonly #label: string;

  /** `label` names the figure for screen readers, e.g. "sockets". */
  constructor(width: number, height: number, className: string, label: string) {
    this.#label = label;
    this.#width = width;
    this.#height = height;
    this.element = document.createElementNS(SVG_NS, "svg");
    this.element.setAttribute("viewBox", `0 0 ${width} ${height}`);
    this.element.setAttribute("width", String(width));
    this.element.setAttribute("height", String(height));
    this.element.setAttribute("class", `spark ${className}`);
    this.element.setAttribute("role", "img");
    this.element.setAttribute("preserveAspectRatio", "none");
    this.#area = document.createElementNS(SVG_NS, "path");
    this.#area.setAttribute("class", "spark-area");
    this.#line = document.createElementNS(SVG_NS, "path");
    this.#line.setAttribute("class", "spark-line");
    this.element.append(this.#area, this.#line);
  }

  /** Redraws the points over the `spanMs` ending at `now`. */
  draw(points: readonly Point[], now: number, spanMs: number): void {
    const max = scaleMax(points);
    const f: Frame = { width: this.#width, height: this.#height, from: now - spanMs, to: now, max };
    this.#line.setAttribute("d", linePath(points, f));
    this.#area.setAttribute("d", areaPath(points, f));
    this.element.dataset.points = String(points.length);
    this.element.dataset.max = String(max);
    this.element.setAttribute(
      "aria-label",
      `${this.#label} over the last ${formatSpan(spanMs)}, peak ${max}`,
    );
  }
}
