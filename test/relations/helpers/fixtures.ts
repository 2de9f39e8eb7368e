import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { kindKey, parseApiVersion } from '../../../src/kube/kinds.js';
import type { KubeObject } from '../../../src/kube/types.js';
import type { SourceInfo } from '../../../src/relations/types.js';

const DIR = fileURLToPath(new URL('../../fixtures/real-apiserver/objects/', import.meta.url));

/** A fresh copy of an object captured from the real v1.28.7 apiserver (test/fixtures/real-apiserver/objects/<name>.json). */
export function captured(name: string): KubeObject {
  return JSON.parse(readFileSync(`${DIR}${name}.json`, 'utf8')) as KubeObject;
}

/** The SourceInfo a rule sees for an object of cluster `clusterId`. */
export function sourceOf(o: KubeObject, clusterId = 'c1'): SourceInfo {
  return {
    clusterId,
    kindKey: kindKey({ group: parseApiVersion(o.apiVersion ?? '').group, kind: o.kind ?? '' }),
    namespace: o.metadata.namespace ?? '',
    name: o.metadata.name ?? '',
  };
}
