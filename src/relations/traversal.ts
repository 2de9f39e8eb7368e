/**
 * Breadth-first walk over record ids, level by level.
 *
 * `expand(id, visit)` calls `visit(neighbour)` for each neighbour of `id` and
 * must stop (return false) as soon as a visit returns false. Each id is
 * reported once, at its shortest distance; `start` is never reported.
 *
 * Returns the newly reached ids of each level 1..depth (levels may be empty),
 * or undefined as soon as more than `maxNodes` ids have been reached.
 */
export function breadthFirst(
  start: number,
  depth: number,
  maxNodes: number,
  expand: (id: number, visit: (neighbour: number) => boolean) => boolean,
): number[][] | undefined {
  const seen = new Set<number>([start]);
  const levels: number[][] = [];
  let frontier = [start];
  let next: number[] = [];
  const visit = (n: number): boolean => {
    if (seen.has(n)) return true;
    seen.add(n);
    if (seen.size - 1 > maxNodes) return false;
    next.push(n);
    return true;
  };
  for (let d = 0; d < depth && frontier.length > 0; d++) {
    next = [];
    for (const id of frontier) if (!expand(id, visit)) return undefined;
    levels.push(next);
    frontier = next;
  }
  return levels;
}
