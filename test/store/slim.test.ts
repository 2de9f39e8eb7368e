import { describe, expect, it } from 'vitest';
import { LAST_APPLIED_ANNOTATION } from '../../src/kube/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { REDACTED_ANNOTATION, slimObject } from '../../src/store/slim.js';
import { CONFIGMAP, DEPLOYMENT, POD, SECRET, fixture, recordEvents } from './helpers.js';

describe('slimming', () => {
  it('drops managedFields and keeps everything else of a real pod', () => {
    const original = fixture('pod-runner');
    expect(original.metadata.managedFields?.length).toBeGreaterThan(0);
    const store = new ResourceStore();
    store.sinkFor('c1', POD).apply('ADDED', original);
    const record = store.get('c1', 'Pod', 'demo', 'runner')!;
    const stored = JSON.parse(record.json);
    expect(stored.metadata.managedFields).toBeUndefined();
    const expected = fixture('pod-runner');
    delete expected.metadata.managedFields;
    expect(stored).toEqual(expected);
    expect(store.objectOf(record)).toEqual(expected);
    // the reflector's object is not touched
    expect(original.metadata.managedFields?.length).toBeGreaterThan(0);
  });

  it('drops the last-applied-configuration annotation (and an annotations map left empty)', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', CONFIGMAP).apply('ADDED', fixture('apply-create.configmap-api-config', 'store'));
    store.sinkFor('c1', DEPLOYMENT).apply('ADDED', fixture('apply-create.deployment-api', 'store'));
    const cm = JSON.parse(store.get('c1', 'ConfigMap', 'demo', 'api-config')!.json);
    expect(cm.metadata.annotations).toBeUndefined();
    expect(cm.data).toEqual(fixture('apply-create.configmap-api-config', 'store').data);
    const deploy = JSON.parse(store.get('c1', 'apps/Deployment', 'demo', 'api')!.json);
    expect(deploy.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeUndefined();
    expect(JSON.stringify(deploy)).not.toContain('last-applied');
  });

  it('keeps other annotations next to a dropped last-applied one', () => {
    const obj = fixture('apply-create.deployment-api', 'store');
    obj.metadata.annotations = { ...obj.metadata.annotations, 'team.example/owner': 'platform' };
    const slim = slimObject(obj, { isSecret: false });
    expect(slim.metadata.annotations).toEqual({ 'team.example/owner': 'platform' });
    expect(obj.metadata.annotations?.[LAST_APPLIED_ANNOTATION]).toBeDefined();
  });

  it('redacts Secret values, keeping the keys, and marks the Secret', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', SECRET);
    const original = fixture('secret-web-secret');
    const secretValues = Object.values(original.data as Record<string, string>);
    sink.apply('ADDED', original);
    sink.apply('ADDED', { ...fixture('secret-regcred'), stringData: { token: 'plain-text-token' } });

    const web = store.get('c1', 'Secret', 'demo', 'web-secret')!;
    const parsed = JSON.parse(web.json);
    expect(parsed.data).toEqual({ api_key: '', db_password: '' });
    expect(parsed.metadata.annotations[REDACTED_ANNOTATION]).toBe('data');
    for (const v of secretValues) {
      expect(web.json).not.toContain(v);
      expect(JSON.stringify(events[0].object)).not.toContain(v);
    }
    const reg = store.get('c1', 'Secret', 'demo', 'regcred')!;
    expect(JSON.parse(reg.json).data).toEqual({ '.dockerconfigjson': '' });
    expect(JSON.parse(reg.json).stringData).toEqual({ token: '' });
    expect(JSON.parse(reg.json).metadata.annotations[REDACTED_ANNOTATION]).toBe('data,stringData');
    expect(reg.json).not.toContain('plain-text-token');
    expect(reg.json).not.toContain((fixture('secret-regcred').data as Record<string, string>)['.dockerconfigjson']);
    // the reflector's object still has its values
    expect(original.data).toEqual(fixture('secret-web-secret').data);
  });

  it('keeps Secret values when the cluster opts in', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', SECRET, { keepSecretValues: true }).apply('ADDED', fixture('secret-web-secret'));
    const parsed = JSON.parse(store.get('c1', 'Secret', 'demo', 'web-secret')!.json);
    expect(parsed.data).toEqual(fixture('secret-web-secret').data);
    expect(parsed.metadata.annotations?.[REDACTED_ANNOTATION]).toBeUndefined();
  });

  it('does not redact ConfigMaps or a Secret without values', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', CONFIGMAP).apply('ADDED', fixture('configmap-web-config'));
    expect(JSON.parse(store.get('c1', 'ConfigMap', 'demo', 'web-config')!.json).data).toEqual(fixture('configmap-web-config').data);
    store.sinkFor('c1', SECRET).apply('ADDED', { apiVersion: 'v1', kind: 'Secret', metadata: { name: 'empty', namespace: 'demo', uid: 'e', resourceVersion: '1' }, type: 'Opaque' });
    expect(JSON.parse(store.get('c1', 'Secret', 'demo', 'empty')!.json).metadata.annotations).toBeUndefined();
  });
});
