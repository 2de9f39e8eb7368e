import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import type { KubeObject } from '../../src/kube/types.js';
import { ResourceStore } from '../../src/store/resourceStore.js';
import { summarizeStatus } from '../../src/store/status/registry.js';
import { POD, fixture, kind, recordEvents } from './helpers.js';

const FIXTURES = fileURLToPath(new URL('../fixtures/real-apiserver/', import.meta.url));
const json = (path: string): unknown => JSON.parse(readFileSync(FIXTURES + path, 'utf8'));

/** The captured running pod with its container state and conditions replaced. */
function runnerWith(change: (status: Record<string, unknown>, spec: Record<string, unknown>, pod: KubeObject) => void): KubeObject {
  const p = fixture('pod-runner');
  change(p.status as Record<string, unknown>, p.spec as Record<string, unknown>, p);
  return p;
}

function containerState(state: Record<string, unknown>, extra: Record<string, unknown> = {}) {
  return (status: Record<string, unknown>) => {
    const cs = (status.containerStatuses as Array<Record<string, unknown>>)[0];
    cs.state = state;
    cs.ready = false;
    Object.assign(cs, extra);
  };
}

const pod = (p: KubeObject) => summarizeStatus('Pod', p);

describe('Pod status (kubectl printPod)', () => {
  it('equals the STATUS column the real apiserver computed for every captured pod', () => {
    const table = json('table/pods-demo.includeObject-Object.json') as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: unknown[]; object: KubeObject }> };
    const col = table.columnDefinitions.findIndex((c) => c.name === 'Status');
    expect(table.rows.length).toBeGreaterThan(5);
    for (const row of table.rows) expect(pod(row.object), row.object.metadata.name).toBe(row.cells[col]);
  });

  it('container waiting and terminated reasons', () => {
    expect(pod(runnerWith(containerState({ waiting: { reason: 'CrashLoopBackOff', message: 'back-off 5m0s' } }, { restartCount: 7 })))).toBe('CrashLoopBackOff');
    expect(pod(runnerWith(containerState({ waiting: { reason: 'ImagePullBackOff' } })))).toBe('ImagePullBackOff');
    expect(pod(runnerWith(containerState({ waiting: { reason: 'ErrImagePull' } })))).toBe('ErrImagePull');
    expect(pod(runnerWith(containerState({ waiting: { reason: 'ContainerCreating' } })))).toBe('ContainerCreating');
    expect(pod(runnerWith(containerState({ terminated: { reason: 'OOMKilled', exitCode: 137 } })))).toBe('OOMKilled');
    expect(pod(runnerWith(containerState({ terminated: { reason: 'Error', exitCode: 1 } })))).toBe('Error');
    expect(pod(runnerWith(containerState({ terminated: { exitCode: 3 } })))).toBe('ExitCode:3');
    expect(pod(runnerWith(containerState({ terminated: { exitCode: 0, signal: 9 } })))).toBe('Signal:9');
    const completed = runnerWith((s) => {
      s.phase = 'Succeeded';
      containerState({ terminated: { reason: 'Completed', exitCode: 0 } })(s);
    });
    expect(pod(completed)).toBe('Completed');
  });

  it('"Completed" turns back to Running / NotReady while another container still runs', () => {
    const twoContainers = (ready: boolean) =>
      runnerWith((s) => {
        const running = (s.containerStatuses as Array<Record<string, unknown>>)[0];
        s.containerStatuses = [{ ...running, name: 'sidecar', state: { terminated: { reason: 'Completed', exitCode: 0 } }, ready: false }, running];
        for (const c of s.conditions as Array<Record<string, unknown>>) if (c.type === 'Ready') c.status = ready ? 'True' : 'False';
      });
    expect(pod(twoContainers(true))).toBe('Running');
    expect(pod(twoContainers(false))).toBe('NotReady');
  });

  it('init containers', () => {
    const withInit = (statuses: Array<Record<string, unknown>>, initialized = false, specInit?: Array<Record<string, unknown>>) =>
      runnerWith((s, spec) => {
        spec.initContainers = specInit ?? [{ name: 'init-a', image: 'busybox' }, { name: 'init-b', image: 'busybox' }];
        s.initContainerStatuses = statuses;
        s.phase = 'Pending';
        for (const c of s.conditions as Array<Record<string, unknown>>) if (c.type === 'Initialized') c.status = initialized ? 'True' : 'False';
        containerState({ waiting: { reason: 'PodInitializing' } })(s);
      });
    expect(pod(withInit([{ name: 'init-a', state: { running: {} } }, { name: 'init-b', state: { waiting: { reason: 'PodInitializing' } } }]))).toBe('Init:0/2');
    expect(pod(withInit([{ name: 'init-a', state: { terminated: { exitCode: 0 } } }, { name: 'init-b', state: { running: {} } }]))).toBe('Init:1/2');
    expect(pod(withInit([{ name: 'init-a', state: { waiting: { reason: 'CrashLoopBackOff' } } }]))).toBe('Init:CrashLoopBackOff');
    expect(pod(withInit([{ name: 'init-a', state: { terminated: { reason: 'Error', exitCode: 1 } } }]))).toBe('Init:Error');
    expect(pod(withInit([{ name: 'init-a', state: { terminated: { exitCode: 2 } } }]))).toBe('Init:ExitCode:2');
    expect(pod(withInit([{ name: 'init-a', state: { terminated: { exitCode: 137, signal: 9 } } }]))).toBe('Init:Signal:9');
    // exit code 0 counts as done, whatever the signal (kubectl checks the exit code first)
    expect(pod(withInit([{ name: 'init-a', state: { terminated: { exitCode: 0, signal: 15 } } }, { name: 'init-b', state: { running: {} } }]))).toBe('Init:1/2');
    // a started restartable (sidecar) init container does not hold the pod in Init
    const sidecar = withInit([{ name: 'proxy', state: { running: {} }, started: true, ready: true }], true, [{ name: 'proxy', image: 'envoy', restartPolicy: 'Always' }]);
    expect(pod(sidecar)).toBe('PodInitializing');
  });

  it('deletion, node loss and scheduling gates', () => {
    expect(pod(runnerWith((_s, _spec, p) => void (p.metadata.deletionTimestamp = '2026-11-23T14:00:00Z')))).toBe('Terminating');
    expect(
      pod(
        runnerWith((s, _spec, p) => {
          p.metadata.deletionTimestamp = '2026-11-23T14:00:00Z';
          s.reason = 'NodeLost';
        }),
      ),
    ).toBe('Unknown');
    // status.reason replaces the phase, and a running ready container does not override it
    expect(pod(runnerWith((s) => void (s.reason = 'Evicted')))).toBe('Evicted');
    expect(pod({ metadata: { name: 'x' }, status: { phase: 'Failed', reason: 'Evicted' } })).toBe('Evicted');
    expect(pod({ metadata: { name: 'g' }, status: { phase: 'Pending', conditions: [{ type: 'PodScheduled', status: 'False', reason: 'SchedulingGated' }] } })).toBe('SchedulingGated');
  });

  it('follows a captured watch stream: Pending -> Running -> Terminating -> DELETED', () => {
    const store = new ResourceStore();
    const events = recordEvents(store);
    const sink = store.sinkFor('c1', POD);
    for (const line of readFileSync(`${FIXTURES}watch/pods-demo-main.jsonl`, 'utf8').split('\n')) {
      if (!line.trim()) continue;
      const e = JSON.parse(line) as { type: string; object: KubeObject };
      if (e.type === 'ADDED' || e.type === 'MODIFIED' || e.type === 'DELETED') sink.apply(e.type, e.object);
    }
    const watchB = events.filter((e) => e.record.name === 'watch-b').map((e) => `${e.type}:${e.record.status}`);
    expect(watchB).toEqual(['ADDED:Pending', 'MODIFIED:Running', 'MODIFIED:Terminating', 'MODIFIED:Terminating', 'DELETED:Terminating']);
    expect(store.size).toBe(0);
  });

  it('never throws on odd shapes', () => {
    for (const odd of [{ metadata: {} }, { metadata: {}, status: 'x' }, { metadata: {}, status: { containerStatuses: [null, 5, { state: 'x' }] } }, { metadata: {}, spec: { initContainers: 'no' } }]) {
      expect(() => pod(odd as KubeObject)).not.toThrow();
    }
  });
});

describe('status of other kinds on captured real objects', () => {
  const s = (key: string, name: string, change?: (o: KubeObject) => void) => {
    const o = fixture(name);
    change?.(o);
    return summarizeStatus(key, o);
  };
  const spec = (o: KubeObject) => o.spec as Record<string, unknown>;
  const status = (o: KubeObject) => o.status as Record<string, unknown>;

  it('Deployment', () => {
    // Available=False (MinimumReplicasUnavailable), Progressing=True (ReplicaSetUpdated): a rollout under way
    expect(s('apps/Deployment', 'deployment-web')).toBe('Progressing');
    const settled = (available: string) => (o: KubeObject) => {
      status(o).conditions = [
        { type: 'Available', status: available, reason: available === 'True' ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable' },
        { type: 'Progressing', status: 'True', reason: 'NewReplicaSetAvailable' },
      ];
    };
    expect(s('apps/Deployment', 'deployment-web', settled('True'))).toBe('Available');
    expect(s('apps/Deployment', 'deployment-web', settled('False'))).toBe('Unavailable');
    expect(s('apps/Deployment', 'deployment-web', (o) => void (status(o).conditions = [{ type: 'Progressing', status: 'False', reason: 'ProgressDeadlineExceeded' }]))).toBe('Failed');
    expect(s('apps/Deployment', 'deployment-web', (o) => void (status(o).conditions = [{ type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate' }]))).toBe('ReplicaFailure');
    expect(s('apps/Deployment', 'deployment-web', (o) => void (spec(o).replicas = 0))).toBe('ScaledDown');
    expect(s('apps/Deployment', 'deployment-web', (o) => void (spec(o).paused = true))).toBe('Paused');
    expect(s('apps/Deployment', 'deployment-web', (o) => void (o.metadata.deletionTimestamp = '2026-11-23T14:00:00Z'))).toBe('Terminating');
  });

  it('ReplicaSet, StatefulSet, DaemonSet', () => {
    expect(s('apps/ReplicaSet', 'replicaset-web-f77c755dc')).toBe('NotReady');
    expect(s('apps/ReplicaSet', 'replicaset-web-f77c755dc', (o) => void (status(o).readyReplicas = 3))).toBe('Ready');
    expect(s('apps/ReplicaSet', 'replicaset-web-f77c755dc', (o) => void (spec(o).replicas = 0))).toBe('ScaledDown');
    expect(s('apps/StatefulSet', 'statefulset-db')).toBe('NotReady');
    expect(s('apps/StatefulSet', 'statefulset-db', (o) => Object.assign(status(o), { readyReplicas: 2, updatedReplicas: 2 }))).toBe('Ready');
    expect(s('apps/StatefulSet', 'statefulset-db', (o) => void (spec(o).replicas = 0))).toBe('ScaledDown');
    expect(s('apps/DaemonSet', 'daemonset-node-exporter')).toBe('NotReady');
    expect(s('apps/DaemonSet', 'daemonset-node-exporter', (o) => Object.assign(status(o), { numberReady: 2, numberUnavailable: 0, numberAvailable: 2 }))).toBe('Ready');
    expect(s('apps/DaemonSet', 'daemonset-node-exporter', (o) => Object.assign(status(o), { desiredNumberScheduled: 0, numberUnavailable: 0 }))).toBe('ScaledDown');
  });

  it('Job and CronJob', () => {
    expect(s('batch/Job', 'job-migrate')).toBe('Running');
    expect(s('batch/Job', 'job-migrate', (o) => void (status(o).conditions = [{ type: 'Complete', status: 'True' }]))).toBe('Complete');
    expect(s('batch/Job', 'job-migrate', (o) => void (status(o).conditions = [{ type: 'Failed', status: 'True', reason: 'BackoffLimitExceeded' }]))).toBe('Failed');
    expect(s('batch/Job', 'job-migrate', (o) => void (spec(o).suspend = true))).toBe('Suspended');
    expect(s('batch/Job', 'job-from-cronjob-report-29924032')).toBe('Running');
    expect(s('batch/CronJob', 'cronjob-report')).toBe('Active');
    expect(s('batch/CronJob', 'cronjob-report', (o) => void (status(o).active = []))).toBe('Scheduled');
    expect(s('batch/CronJob', 'cronjob-report', (o) => void (spec(o).suspend = true))).toBe('Suspended');
  });

  it('Node equals the STATUS column of the captured node Table', () => {
    const table = json('table/nodes.json') as { columnDefinitions: Array<{ name: string }>; rows: Array<{ cells: string[] }> };
    const col = table.columnDefinitions.findIndex((c) => c.name === 'Status');
    const byName = new Map(table.rows.map((r) => [r.cells[0], r.cells[col]]));
    for (const n of ['node-a', 'node-b']) expect(s('Node', n)).toBe(byName.get(n));
    const setReady = (v: string) => (o: KubeObject) => {
      for (const c of status(o).conditions as Array<Record<string, unknown>>) if (c.type === 'Ready') c.status = v;
    };
    expect(s('Node', 'node-a', setReady('False'))).toBe('NotReady');
    expect(s('Node', 'node-a', setReady('Unknown'))).toBe('NotReady');
    expect(s('Node', 'node-a', (o) => void (status(o).conditions = []))).toBe('Unknown');
    expect(s('Node', 'node-a', (o) => void (spec(o).unschedulable = true))).toBe('Ready,SchedulingDisabled');
  });

  it('PVC, PV, Namespace, Service, Event', () => {
    expect(s('PersistentVolumeClaim', 'persistentvolumeclaim-data-claim')).toBe('Bound');
    expect(s('PersistentVolumeClaim', 'persistentvolumeclaim-data-db-0')).toBe('Pending');
    expect(s('PersistentVolume', 'persistentvolume-pv-0001')).toBe('Bound');
    expect(s('PersistentVolume', 'persistentvolume-pv-0001', (o) => void (status(o).phase = 'Released'))).toBe('Released');
    expect(s('PersistentVolumeClaim', 'persistentvolumeclaim-data-claim', (o) => void (o.metadata.deletionTimestamp = 'x'))).toBe('Terminating');
    expect(s('Namespace', 'namespace-demo')).toBe('Active');
    expect(s('Namespace', 'namespace-demo', (o) => void (status(o).phase = 'Terminating'))).toBe('Terminating');
    expect(s('Service', 'service-web')).toBe('Ready');
    expect(s('Service', 'service-db-headless')).toBe('Ready');
    expect(s('Service', 'service-web', (o) => void (spec(o).type = 'LoadBalancer'))).toBe('Pending');
    expect(s('Service', 'service-web', (o) => Object.assign(spec(o), { type: 'LoadBalancer' }) && void (status(o).loadBalancer = { ingress: [{ ip: '1.2.3.4' }] }))).toBe('Ready');
    expect(s('Event', 'event-core-created-via-core.core-v1')).toBe('Normal');
    expect(s('events.k8s.io/Event', 'event-created-via-events-v1.events-v1')).toBe('Warning');
  });

  it('kinds without a summarizer: generic phase / Ready condition, else none', () => {
    expect(s('ConfigMap', 'configmap-web-config')).toBeUndefined();
    expect(s('ServiceAccount', 'serviceaccount-web-sa')).toBeUndefined();
    expect(summarizeStatus('example.com/Widget', { metadata: {}, status: { conditions: [{ type: 'Ready', status: 'True' }] } })).toBe('Ready');
    expect(summarizeStatus('example.com/Widget', { metadata: {}, status: { conditions: [{ type: 'Ready', status: 'False' }] } })).toBe('NotReady');
    expect(summarizeStatus('example.com/Widget', { metadata: {}, status: { phase: 'Provisioning' } })).toBe('Provisioning');
  });

  it('the store records the summary and filters on it', () => {
    const store = new ResourceStore();
    store.sinkFor('c1', kind('apps/Deployment')).apply('ADDED', fixture('deployment-web'));
    store.sinkFor('c1', kind('Node')).apply('ADDED', fixture('node-a'));
    expect(store.get('c1', 'apps/Deployment', 'demo', 'web')?.status).toBe('Progressing');
    expect(store.get('c1', 'Node', '', 'node-a')?.status).toBe('Ready');
  });
});
