import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { startSimCluster, type SimCluster } from '../../src/sim/index.js';
import { SimHttp, eventually, fixtureJson, fixtureText } from './simHttp.js';
import { loadDemoScenario } from './demoScenario.js';

/**
 * Real kubectl against a simulated cluster: what users run must work and
 * print what it prints against a real v1.28 apiserver.
 */

const hasKubectl = spawnSync('kubectl', ['version', '--client=true', '-o', 'json'], { encoding: 'utf8' }).status === 0;
if (!hasKubectl) console.warn('kubectl not found on PATH: skipping test/sim/kubectl.test.ts');

let cluster: SimCluster;
let http: SimHttp;
let dir: string;
const children: ChildProcess[] = [];

/** Runs kubectl asynchronously (the simulated server lives in this process: never block its event loop). */
function kubectl(args: string[], input?: string): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn('kubectl', [...args, '--cache-dir', join(dir, 'cache'), '--request-timeout=20s'], { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') } });
    children.push(child);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), 40_000);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? -1, stdout, stderr });
    });
    child.stdin.end(input ?? '');
  });
}

/** Splits kubectl's aligned table output into cells. */
const rows = (out: string): string[][] =>
  out
    .trim()
    .split('\n')
    .map((l) => l.trim().split(/\s{2,}|\s(?=\S)/).filter(Boolean));

const APP = `apiVersion: v1
kind: ConfigMap
metadata:
  name: api-config
  namespace: demo
data:
  mode: MODE
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: api
  namespace: demo
  labels: {app: api}
spec:
  replicas: 1
  selector:
    matchLabels: {app: api}
  template:
    metadata:
      labels: {app: api}
    spec:
      containers:
      - name: api
        image: nginx:1.25.3
        ports:
        - containerPort: 8080
        env:
        - name: MODE
          valueFrom:
            configMapKeyRef: {name: api-config, key: mode}
`;

describe.skipIf(!hasKubectl)('kubectl against the simulated apiserver', () => {
  beforeAll(async () => {
    cluster = await startSimCluster({ name: 'kubectl-sim', controllers: false });
    loadDemoScenario(cluster.store);
    cluster.store.create('deployments', fixtureJson('create/deployment.request.json'));
    http = new SimHttp(cluster);
    dir = mkdtempSync(join(tmpdir(), 'sim-kubectl-'));
    writeFileSync(join(dir, 'kubeconfig'), cluster.kubeconfig(), { mode: 0o600 });
  });

  afterAll(async () => {
    for (const c of children) c.kill('SIGKILL');
    await http?.close();
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('get pods -A prints the same table as against the real server', async () => {
    const r = await kubectl(['get', 'pods', '-A']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const got = rows(r.stdout);
    const want = rows(fixtureText('kubectl/get-pods-A.stdout.txt'));
    expect(got[0]).toEqual(want[0]);
    // The demo rows match cell by cell except AGE (relative to now).
    const demo = got.filter((row) => row[0] === 'demo');
    expect(demo.map((row) => row.slice(0, 5))).toEqual(want.slice(1).map((row) => row.slice(0, 5)));
    expect(got.some((row) => row[0] === 'kube-system')).toBe(true);
  });

  it('get deploy -o yaml prints a v1 List of the deployments', async () => {
    const r = await kubectl(['get', 'deploy', '-n', 'demo', '-o', 'yaml']);
    expect(r.code).toBe(0);
    const doc = parseYaml(r.stdout);
    const want = parseYaml(fixtureText('kubectl/get-deploy-yaml.stdout.txt'));
    expect(Object.keys(doc)).toEqual(Object.keys(want));
    expect(doc.kind).toBe('List');
    expect(doc.items[0].kind).toBe('Deployment');
    expect(doc.items[0].spec.template.spec.containers[0].image).toBe(want.items[0].spec.template.spec.containers[0].image);
    expect(r.stdout.split('\n').slice(0, 3)).toEqual(fixtureText('kubectl/get-deploy-yaml.stdout.txt').split('\n').slice(0, 3));
  });

  it('get pods -A --watch shows a change made through the API', async () => {
    const child = spawn('kubectl', ['get', 'pods', '-A', '--watch', '--cache-dir', join(dir, 'cache')], { env: { ...process.env, KUBECONFIG: join(dir, 'kubeconfig') } });
    children.push(child);
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    await eventually(() => out.includes('runner'), 20_000, 'initial kubectl table');
    await http.post('/api/v1/namespaces/demo/pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kubectl-watch-demo' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    await eventually(() => /demo\s+kubectl-watch-demo\s+0\/1\s+Pending/.test(out), 20_000, 'watched pod row');
    await http.delete('/api/v1/namespaces/demo/pods/kubectl-watch-demo');
    await eventually(() => /kubectl-watch-demo\s+0\/1\s+Terminating/.test(out), 20_000, 'Terminating row');
    child.kill('SIGINT');
  });

  it('scale deploy updates replicas through the scale subresource', async () => {
    const r = await kubectl(['scale', 'deploy', 'web', '-n', 'demo', '--replicas=2']);
    expect(r.stdout).toBe(fixtureText('kubectl/scale-deploy.stdout.txt'));
    expect(cluster.store.get('deployments', 'demo', 'web')?.spec).toMatchObject({ replicas: 2 });
    expect(cluster.requests().some((q) => q.method === 'PATCH' && q.path === '/apis/apps/v1/namespaces/demo/deployments/web/scale' && q.status === 200)).toBe(true);
  });

  it('delete pod removes an unscheduled pod and waits for it', async () => {
    cluster.store.create('pods', { apiVersion: 'v1', kind: 'Pod', metadata: { name: 'kubectl-victim', namespace: 'demo' }, spec: { containers: [{ name: 'c', image: 'busybox' }] } });
    const r = await kubectl(['delete', 'pod', 'kubectl-victim', '-n', 'demo']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(fixtureText('kubectl/delete-pod.stdout.txt'));
    expect(cluster.store.get('pods', 'demo', 'kubectl-victim')).toBeUndefined();
  });

  it('apply -f creates, then updates with a strategic merge patch (openapi v2 protobuf served)', async () => {
    const create = await kubectl(['apply', '-f', '-'], APP.replace('MODE', 'blue'));
    expect(create.stderr).toBe('');
    expect(create.stdout).toBe(fixtureText('kubectl/apply-create.stdout.txt'));
    const update = await kubectl(['apply', '-f', '-'], APP.replace('MODE', 'green').replace('replicas: 1', 'replicas: 2'));
    expect(update.stderr).toBe('');
    expect(update.stdout).toBe(fixtureText('kubectl/apply-update.stdout.txt'));
    expect(cluster.store.get('configmaps', 'demo', 'api-config')?.data).toEqual({ mode: 'green' });
    const dep = cluster.store.get('deployments', 'demo', 'api')!;
    expect((dep.spec as { replicas: number }).replicas).toBe(2);
    expect(dep.metadata.annotations?.['kubectl.kubernetes.io/last-applied-configuration']).toContain('"replicas":2');
    const reqs = cluster.requests();
    expect(reqs.some((q) => q.path === '/openapi/v2' && q.status === 200)).toBe(true);
    expect(reqs.some((q) => q.method === 'PATCH' && q.path === '/apis/apps/v1/namespaces/demo/deployments/api' && q.query.fieldManager === 'kubectl-client-side-apply')).toBe(true);
    const unchanged = await kubectl(['apply', '-f', '-'], APP.replace('MODE', 'green').replace('replicas: 1', 'replicas: 2'));
    expect(unchanged.stdout).toBe('configmap/api-config unchanged\ndeployment.apps/api unchanged\n');
  });

  it('apply --server-side, label, create namespace, run', async () => {
    const ssa = await kubectl(['apply', '--server-side', '-f', '-'], 'apiVersion: v1\nkind: ConfigMap\nmetadata: {name: ssa-config, namespace: demo}\ndata: {a: "1"}\n');
    expect(ssa.stdout).toBe(fixtureText('kubectl/apply-server-side.stdout.txt'));
    const label = await kubectl(['label', 'pod', 'runner', '-n', 'demo', 'tier=backend']);
    expect(label.stdout).toBe(fixtureText('kubectl/label-pod.stdout.txt'));
    expect(cluster.store.get('pods', 'demo', 'runner')?.metadata.labels?.tier).toBe('backend');
    const ns = await kubectl(['create', 'namespace', 'kubectl-ns']);
    expect(ns.stdout).toBe(fixtureText('kubectl/create-namespace.stdout.txt'));
    expect(cluster.store.get('namespaces', undefined, 'kubectl-ns')?.status).toEqual({ phase: 'Active' });
    const run = await kubectl(['run', 'nginx-run', '--image=nginx', '-n', 'demo']);
    expect(run.stdout).toBe(fixtureText('kubectl/run.stdout.txt'));
    const noPerm = await kubectl(['auth', 'can-i', 'delete', 'pods', '-A']);
    expect(noPerm.stdout.trim()).toBe('yes');
    // Server-side printing of other kinds: replica sets get their own columns.
    const rsOwner = cluster.store.get('deployments', 'demo', 'api')!;
    cluster.store.create('replicasets', {
      apiVersion: 'apps/v1',
      kind: 'ReplicaSet',
      metadata: { name: 'api-abc', namespace: 'demo', ownerReferences: [{ apiVersion: 'apps/v1', kind: 'Deployment', name: 'api', uid: rsOwner.metadata.uid!, controller: true }] },
      spec: { replicas: 2, selector: { matchLabels: { app: 'api' } }, template: { metadata: { labels: { app: 'api' } }, spec: { containers: [{ name: 'api', image: 'nginx:1.25.3' }] } } },
    });
    const rs = await kubectl(['get', 'rs', '-n', 'demo']);
    expect(rows(rs.stdout)[0]).toEqual(['NAME', 'DESIRED', 'CURRENT', 'READY', 'AGE']);
    expect(rows(rs.stdout)[1].slice(0, 4)).toEqual(['api-abc', '2', '0', '0']);
  });
});
