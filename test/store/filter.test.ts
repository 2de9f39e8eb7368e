import { describe, expect, it } from 'vitest';
import type { KindInfo } from '../../src/kube/kinds.js';
import { compileFilter, matchesFilter } from '../../src/store/filter.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import type { ResourceFilterInput, ResourceRecord } from '../../src/store/types.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { DEPLOYMENT, POD, fixture, kind, pod } from './helpers.js';

const EVENTS_V1: KindInfo = { group: 'events.k8s.io', version: 'v1', kind: 'Event', plural: 'events', namespaced: true };
const WIDGET: KindInfo = { group: 'example.com', version: 'v1alpha1', kind: 'Widget', plural: 'widgets', namespaced: true, shortNames: ['wd'] };
const KNOWN = [POD, DEPLOYMENT, kind('Event'), EVENTS_V1, WIDGET];

function compileError(input: ResourceFilterInput): KubeatlasError {
  try {
    compileFilter(input, KNOWN);
  } catch (e) {
    if (e instanceof KubeatlasError) return e;
    throw e;
  }
  throw new Error(`compileFilter accepted ${JSON.stringify(input)}`);
}

describe('compileFilter', () => {
  it('resolves every way of naming a kind', () => {
    for (const name of ['Pod', 'pod', 'pods', 'po', 'v1/Pod']) expect([...compileFilter({ kinds: [name] }, KNOWN).kindKeys!], name).toEqual(['Pod']);
    for (const name of ['apps/v1/Deployment', 'deployments.apps', 'Deployment', 'deploy', 'apps/Deployment']) {
      expect([...compileFilter({ kinds: [name] }, KNOWN).kindKeys!], name).toEqual(['apps/Deployment']);
    }
    expect([...compileFilter({ kinds: ['widgets', 'wd', 'example.com/v1alpha1/Widget'] }, KNOWN).kindKeys!]).toEqual(['example.com/Widget']);
    // built-in kinds resolve even before any cluster registered them
    expect([...compileFilter({ kinds: ['cronjobs'] }, []).kindKeys!]).toEqual(['batch/CronJob']);
  });

  it('an ambiguous bare name selects all its candidates', () => {
    expect([...compileFilter({ kinds: ['Event'] }, KNOWN).kindKeys!].sort()).toEqual(['Event', 'events.k8s.io/Event']);
    expect([...compileFilter({ kinds: ['events.events.k8s.io'] }, KNOWN).kindKeys!]).toEqual(['events.k8s.io/Event']);
  });

  it('an unknown kind is BAD_USER_INPUT naming the field and the value', () => {
    const e = compileError({ kinds: ['Pod', 'Gizmo'] });
    expect(e.code).toBe('BAD_USER_INPUT');
    expect(e.details).toEqual({ field: 'kinds', value: 'Gizmo' });
    expect(e.message).toContain('Gizmo');
    expect(compileError({ kinds: [''] }).details.field).toBe('kinds');
  });

  it('a bad label selector is BAD_USER_INPUT with the parser message', () => {
    const cases: Array<[string, string]> = [
      ['app=', ''],
      ['app in (a', "found '', expected: ',' or ')'"],
      ['x,,y', "found ',', expected: identifier after ','"],
      ['-bad=1', 'key: Invalid value: "-bad"'],
      ['a=b c', "found 'c', expected: ',' or 'end of string'"],
    ];
    for (const [selector, message] of cases) {
      if (message === '') {
        expect(compileFilter({ labelSelector: selector }, KNOWN).selector?.toString()).toBe('app=');
        continue;
      }
      const e = compileError({ labelSelector: selector });
      expect(e.code, selector).toBe('BAD_USER_INPUT');
      expect(e.details.field).toBe('labelSelector');
      expect(e.message).toContain(message);
      expect(e.message.startsWith('labelSelector: ')).toBe(true);
    }
  });

  it('empty and null mean no restriction', () => {
    const f = compileFilter({ clusters: [], kinds: null, namespaces: undefined, labelSelector: '  ', name: '', nameContains: null, status: '' }, KNOWN);
    expect(f).toEqual({ clusters: undefined, kindKeys: undefined, namespaces: undefined, selector: undefined, name: undefined, nameContains: undefined, status: undefined });
    expect(compileFilter(null, KNOWN)).toEqual(f);
  });

  it('rejects non-string values from untyped callers', () => {
    expect(compileError({ clusters: [1 as unknown as string] }).details.field).toBe('clusters');
    expect(compileError({ status: 5 as unknown as string }).details.field).toBe('status');
    expect(compileError({ labelSelector: {} as unknown as string }).details.field).toBe('labelSelector');
  });
});

describe('matchesFilter', () => {
  const store = new ResourceStore();
  store.sinkFor('prod', POD).apply('ADDED', fixture('pod-web-f77c755dc-2bdwq'));
  store.sinkFor('prod', POD).apply('ADDED', fixture('pod-runner'));
  store.sinkFor('prod', DEPLOYMENT).apply('ADDED', fixture('deployment-web'));
  const web = store.get('prod', 'Pod', 'demo', 'web-f77c755dc-2bdwq')!;
  const runner = store.get('prod', 'Pod', 'demo', 'runner')!;
  const deploy = store.get('prod', 'apps/Deployment', 'demo', 'web')!;
  const m = (input: ResourceFilterInput, r: ResourceRecord) => matchesFilter(compileFilter(input, KNOWN), r);

  it('checks every field', () => {
    expect(m({}, web)).toBe(true);
    expect(m({ clusters: ['prod'] }, web)).toBe(true);
    expect(m({ clusters: ['dev'] }, web)).toBe(false);
    expect(m({ kinds: ['pods'] }, web)).toBe(true);
    expect(m({ kinds: ['pods'] }, deploy)).toBe(false);
    expect(m({ kinds: ['deploy'] }, deploy)).toBe(true);
    expect(m({ namespaces: ['demo'] }, web)).toBe(true);
    expect(m({ namespaces: ['default'] }, web)).toBe(false);
    expect(m({ labelSelector: 'app=web,tier in (frontend,backend)' }, web)).toBe(true);
    expect(m({ labelSelector: 'app=web,!tier' }, web)).toBe(false);
    expect(m({ labelSelector: 'app=web' }, deploy)).toBe(true);
    expect(m({ name: 'runner' }, runner)).toBe(true);
    expect(m({ name: 'runne' }, runner)).toBe(false);
    expect(m({ nameContains: 'unn' }, runner)).toBe(true);
    expect(m({ nameContains: 'xyz' }, runner)).toBe(false);
    expect(m({ status: 'Running' }, runner)).toBe(true);
    expect(m({ status: 'running' }, runner)).toBe(false);
    expect(m({ status: 'Pending' }, web)).toBe(true);
    expect(m({ clusters: ['prod'], kinds: ['Pod'], namespaces: ['demo'], labelSelector: 'app', nameContains: 'web', status: 'Pending' }, web)).toBe(true);
    expect(m({ clusters: ['prod'], kinds: ['Pod'], namespaces: ['demo'], labelSelector: 'app', nameContains: 'web', status: 'Running' }, web)).toBe(false);
  });

  it('works on records that are not the store’s own (plain objects)', () => {
    const plain: ResourceRecord = { ...pickFields(web), labels: { app: 'web' } };
    expect(m({ kinds: ['Pod'], labelSelector: 'app=web' }, plain)).toBe(true);
    expect(m({ kinds: ['Deployment'] }, plain)).toBe(false);
  });

  it('agrees with query() on the same filter', () => {
    const s = new ResourceStore();
    const sink = s.sinkFor('c', POD);
    for (let i = 0; i < 30; i++) sink.apply('ADDED', pod({ name: `p${i}`, namespace: i % 2 ? 'a' : 'b', labels: { app: i % 3 ? 'x' : 'y' }, phase: i % 4 ? 'Pending' : 'Running' }));
    const input = { namespaces: ['a'], labelSelector: 'app=x', status: 'Pending' };
    const f = compileFilter(input, s.knownKinds());
    const all = s.query(compileFilter({}, []), { first: 100 }).records;
    expect(s.query(f, { first: 100 }).records.map((r) => r.id)).toEqual(all.filter((r) => matchesFilter(f, r)).map((r) => r.id));
  });
});

function pickFields(r: ResourceRecord): ResourceRecord {
  return {
    id: r.id,
    clusterId: r.clusterId,
    kind: r.kind,
    namespace: r.namespace,
    name: r.name,
    uid: r.uid,
    resourceVersion: r.resourceVersion,
    labels: r.labels,
    creationTimestamp: r.creationTimestamp,
    status: r.status,
    json: r.json,
  };
}
