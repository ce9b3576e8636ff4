// Tiny DOM helpers: typed lookups and element creation that only ever sets text (never HTML).

/** The element with this id, checked against the expected class; throws if the page skeleton is broken. */
export function byId<T extends HTMLElement>(id: string, type: new () => T): T {
  const el = document.getElementById(id);
  if (!(el instanceof type)) throw new Error(`page skeleton: #${id} missing or not a ${type.name}`);
  return el;
}

export interface ElOptions {
  className?: string;
  /** Set with textContent: user data is never parsed as HTML. */
  text?: string;
  attrs?: Record<string, string>;
}

/** Creates an element with classes, text and attributes, then appends the children. */
export function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  opts: ElOptions = {},
  children: Node[] = [],
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (opts.className) node.className = opts.className;
  if (opts.text !== undefined) node.textContent = opts.text;
  for (const [k, v] of Object.entries(opts.attrs ?? {})) node.setAttribute(k, v);
  for (const c of children) node.append(c);
  return node;
}
