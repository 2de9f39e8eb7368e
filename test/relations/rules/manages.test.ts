import { describe, expect, it } from 'vitest';
import { managedPods, managersOf, type OwnershipView } from '../../../src/relations/rules/manages.js';

/** An ownership graph given as (id, kindKey, ownerIds). A unit-test stand-in for the graph's resolved OWNED_BY edges. */
function view(nodes: Array<[id: number, kindKey: string, owners: number[]]>): OwnershipView {
  const kinds = new Map(nodes.map(([id, k]) => [id, k]));
  const owners = new Map(nodes.map(([id, , o]) => [id, o]));
  return {
    kindKeyOf: (id) => kinds.get(id),
    ownersOf: (id) => owners.get(id) ?? [],
    dependentsOf: (id) => nodes.filter(([, , o]) => o.includes(id)).map(([n]) => n),
  };
}

describe('MANAGES derivation', () => {
  const v = view([
    [1, 'apps/Deployment', []],
    [2, 'apps/ReplicaSet', [1]],
    [3, 'Pod', [2]],
    [4, 'Pod', [2]],
    [5, 'batch/CronJob', []],
    [6, 'batch/Job', [5]],
    [7, 'Pod', [6]],
    [8, 'apps/ReplicaSet', []],
    [9, 'Pod', [8]],
  ]);

  it('Deployment -> ReplicaSet -> Pods, CronJob -> Job -> Pod', () => {
    expect(managedPods(v, 1).sort()).toEqual([3, 4]);
    expect(managedPods(v, 5)).toEqual([7]);
    expect(managedPods(v, 6)).toEqual([7]);
    expect(managersOf(v, 3)).toEqual([1]);
    expect(managersOf(v, 7).sort()).toEqual([5, 6]);
  });

  it('a ReplicaSet is no manager, so its orphan pod has none', () => {
    expect(managedPods(v, 8)).toEqual([]);
    expect(managersOf(v, 9)).toEqual([]);
  });

  it('ignores owners not in the catalog and survives ownership cycles', () => {
    const cyclic = view([
      [1, 'apps/Deployment', [2]],
      [2, 'apps/ReplicaSet', [1]],
      [3, 'Pod', [2, 99]],
    ]);
    expect(managedPods(cyclic, 1)).toEqual([3]);
    expect(managersOf(cyclic, 3)).toEqual([1]);
  });
});
