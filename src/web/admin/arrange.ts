// Puts kept elements in a new order while moving only those out of place: moving a node blurs
// whatever is focused inside it, and a poll every two seconds must not steal the ban box's focus.

/** Makes `children` the leading children of `parent`, in this order, touching only misplaced ones. */
export function arrange(parent: Element, children: readonly Element[]): void {
  let expected = parent.firstElementChild;
  for (const child of children) {
    if (child !== expected) parent.insertBefore(child, expected);
    expected = child.nextElementSibling;
  }
}
