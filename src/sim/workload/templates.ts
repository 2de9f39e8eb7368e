import { SIDECARS, type ComponentProfile, type StatefulProfile } from './catalog.js';
import type { Labels } from './context.js';
import type { Obj, PodTemplate } from './pods.js';
import type { Rng } from './random.js';

/**
 * Pod templates of the generated applications, fully defaulted the way the
 * apiserver stores them (so a template read back and re-hashed is stable).
 */

/** Names of the objects around one application that its pods reference. */
export interface AppRefs {
  namespace: string;
  team: string;
  env: string;
  /** Application name, also the Deployment/StatefulSet name ("payments-api"). */
  app: string;
  version: string;
  configMap?: string;
  secret?: string;
  serviceAccount: string;
  pullSecret?: string;
  /** "minimal": app only; "short": app/team/version labels; "recommended": app.kubernetes.io/* plus team and tier. */
  labelStyle: 'minimal' | 'short' | 'recommended';
}

const RESOURCES: Record<ComponentProfile['language'], { requests: Labels; limits: Labels }> = {
  go: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '256Mi' } },
  java: { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '2Gi' } },
  node: { requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  python: { requests: { cpu: '100m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
  nginx: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '250m', memory: '128Mi' } },
  envoy: { requests: { cpu: '250m', memory: '128Mi' }, limits: { cpu: '1', memory: '512Mi' } },
};

/** The labels every generated application carries (selector labels first). */
export function appLabels(r: AppRefs, tier: string): Labels {
  if (r.labelStyle === 'minimal') return { app: r.app };
  if (r.labelStyle === 'short') return { app: r.app, team: r.team, version: r.version };
  return { 'app.kubernetes.io/name': r.app, 'app.kubernetes.io/instance': `${r.app}-${r.env}`, team: r.team, tier };
}

/** Selector labels of an application (a subset of appLabels that never changes across versions). */
export function selectorLabels(r: AppRefs): Labels {
  if (r.labelStyle !== 'recommended') return { app: r.app };
  return { 'app.kubernetes.io/name': r.app, 'app.kubernetes.io/instance': `${r.app}-${r.env}` };
}

function probe(kind: 'http' | 'tcp', port: number | string, path: string, initialDelaySeconds: number, periodSeconds: number): Obj {
  const handler = kind === 'http' ? { httpGet: { path, port, scheme: 'HTTP' } } : { tcpSocket: { port } };
  return { ...handler, initialDelaySeconds, timeoutSeconds: 1, periodSeconds, successThreshold: 1, failureThreshold: 3 };
}

function container(fields: Obj): Obj {
  return { ...fields, terminationMessagePath: '/dev/termination-log', terminationMessagePolicy: 'File', imagePullPolicy: 'IfNotPresent' };
}

/**
 * How much a team put into its pod spec: "simple" (image, port, requests),
 * "standard" (config via env, secret env, readiness probe) or "rich"
 * (mounted config and secrets, liveness probe, downward API, maybe a sidecar).
 */
export type TemplateComplexity = 'simple' | 'standard' | 'rich';

/** A Deployment's pod template for one component. */
export function componentTemplate(rng: Rng, p: ComponentProfile, r: AppRefs, complexity: TemplateComplexity, scrape: boolean): PodTemplate {
  const rich = complexity === 'rich';
  const portName = p.port === 50051 ? 'grpc' : p.role === 'worker' ? 'metrics' : 'http';
  const env: Obj[] = [];
  const envFrom: Obj[] = [];
  const volumes: Obj[] = [];
  const mounts: Obj[] = [];
  if (r.configMap) {
    if (rich) {
      volumes.push({ name: 'config', configMap: { name: r.configMap, defaultMode: 420 } });
      mounts.push({ name: 'config', readOnly: true, mountPath: `/etc/${r.app}` });
      env.push({ name: 'LOG_LEVEL', valueFrom: { configMapKeyRef: { name: r.configMap, key: 'log_level' } } });
    } else envFrom.push({ configMapRef: { name: r.configMap } });
  }
  if (r.secret) {
    if (complexity === 'simple') envFrom.push({ secretRef: { name: r.secret } });
    else env.push({ name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: r.secret, key: 'db_password' } } });
    if (rich && rng.chance(0.4)) {
      volumes.push({ name: 'secrets', secret: { secretName: r.secret, defaultMode: 256 } });
      mounts.push({ name: 'secrets', readOnly: true, mountPath: `/etc/${r.app}/secrets` });
    }
  }
  if (rich) env.push({ name: 'POD_NAME', valueFrom: { fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.name' } } });
  if (complexity !== 'simple' && rng.chance(0.3)) env.push({ name: 'OTEL_EXPORTER_OTLP_ENDPOINT', value: 'http://otel-collector.monitoring:4317' });
  const main: Obj = {
    name: p.name,
    image: p.image(r.team, r.app, r.version),
    ports: [{ name: portName, containerPort: p.port, protocol: 'TCP' }],
  };
  if (envFrom.length) main.envFrom = envFrom;
  if (env.length) main.env = env;
  main.resources = rich || rng.chance(0.3) ? RESOURCES[p.language] : { requests: RESOURCES[p.language].requests };
  if (mounts.length) main.volumeMounts = mounts;
  if (p.role !== 'worker' && complexity !== 'simple') {
    if (rich) main.livenessProbe = probe('tcp', p.port, '', 10, 10);
    main.readinessProbe = probe('http', portName, '/healthz', 0, 5);
  }
  const containers = [container(main)];
  if (rich && rng.chance(0.4)) {
    const s = rng.pick(SIDECARS);
    containers.push(container({ name: s.name, image: s.image, ports: [{ name: 'sidecar', containerPort: s.port, protocol: 'TCP' }], resources: { requests: { cpu: '50m', memory: '64Mi' }, limits: { cpu: '200m', memory: '128Mi' } } }));
  }
  const spec: Obj = {};
  if (volumes.length) spec.volumes = volumes;
  spec.containers = containers;
  spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds = 30;
  spec.dnsPolicy = 'ClusterFirst';
  if (rich) spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  spec.serviceAccountName = r.serviceAccount;
  spec.serviceAccount = r.serviceAccount;
  spec.securityContext = {};
  if (r.pullSecret && complexity !== 'simple') spec.imagePullSecrets = [{ name: r.pullSecret }];
  spec.schedulerName = 'default-scheduler';
  const metadata: PodTemplate['metadata'] = { creationTimestamp: null, labels: appLabels(r, p.tier) };
  if (scrape) metadata.annotations = { 'prometheus.io/port': String(p.port), 'prometheus.io/scrape': 'true' };
  return { metadata, spec };
}

/** A StatefulSet's pod template for a stateful backend. */
export function statefulTemplate(p: StatefulProfile, r: AppRefs): PodTemplate {
  const main: Obj = {
    name: p.name,
    image: p.image,
    ports: [{ name: p.portName, containerPort: p.port, protocol: 'TCP' }],
  };
  const env: Obj[] = [];
  if (r.secret) env.push({ name: 'PASSWORD', valueFrom: { secretKeyRef: { name: r.secret, key: 'password' } } });
  if (r.configMap) main.envFrom = [{ configMapRef: { name: r.configMap } }];
  main.env = env;
  main.resources = { requests: { cpu: '500m', memory: '1Gi' }, limits: { cpu: '2', memory: '4Gi' } };
  main.volumeMounts = [{ name: 'data', mountPath: p.dataPath }];
  main.readinessProbe = probe('tcp', p.port, '', 5, 10);
  const spec: Obj = {
    containers: [container(main)],
    restartPolicy: 'Always',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: r.serviceAccount,
    serviceAccount: r.serviceAccount,
    securityContext: { fsGroup: 1001, runAsUser: 1001 },
    schedulerName: 'default-scheduler',
  };
  return { metadata: { creationTimestamp: null, labels: appLabels(r, 'data') }, spec };
}

/** A CronJob's pod template (restartPolicy OnFailure/Never). */
export function jobTemplate(r: AppRefs, image: string, command: readonly string[]): PodTemplate {
  const main: Obj = { name: 'job', image, command: [...command] };
  if (r.configMap) main.envFrom = [{ configMapRef: { name: r.configMap } }];
  if (r.secret) main.env = [{ name: 'DATABASE_PASSWORD', valueFrom: { secretKeyRef: { name: r.secret, key: 'db_password' } } }];
  main.resources = { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '500m', memory: '512Mi' } };
  const spec: Obj = {
    containers: [container(main)],
    restartPolicy: 'Never',
    terminationGracePeriodSeconds: 30,
    dnsPolicy: 'ClusterFirst',
    serviceAccountName: r.serviceAccount,
    serviceAccount: r.serviceAccount,
    securityContext: {},
  };
  if (r.pullSecret) spec.imagePullSecrets = [{ name: r.pullSecret }];
  spec.schedulerName = 'default-scheduler';
  return { metadata: { creationTimestamp: null, labels: { 'app.kubernetes.io/name': r.app, team: r.team } }, spec };
}

/** A node agent's DaemonSet pod template (host network, tolerates everything). */
export function daemonTemplate(name: string, image: string, port: number, portName: string, labels: Labels, opts: { priorityClassName?: string; hostPaths?: Array<[string, string]>; serviceAccount?: string } = {}): PodTemplate {
  const volumes = (opts.hostPaths ?? []).map(([n, path]) => ({ name: n, hostPath: { path, type: '' } }));
  const main: Obj = {
    name,
    image,
    ports: [{ name: portName, hostPort: port, containerPort: port, protocol: 'TCP' }],
    resources: { requests: { cpu: '100m', memory: '64Mi' }, limits: { memory: '256Mi' } },
  };
  if (volumes.length) main.volumeMounts = volumes.map((v) => ({ name: v.name, readOnly: true, mountPath: v.hostPath.path }));
  const spec: Obj = {};
  if (volumes.length) spec.volumes = volumes;
  spec.containers = [container(main)];
  spec.restartPolicy = 'Always';
  spec.terminationGracePeriodSeconds = 30;
  spec.dnsPolicy = 'ClusterFirst';
  spec.nodeSelector = { 'kubernetes.io/os': 'linux' };
  if (opts.serviceAccount) {
    spec.serviceAccountName = opts.serviceAccount;
    spec.serviceAccount = opts.serviceAccount;
  }
  spec.hostNetwork = true;
  spec.securityContext = {};
  spec.schedulerName = 'default-scheduler';
  spec.tolerations = [{ operator: 'Exists' }];
  if (opts.priorityClassName) spec.priorityClassName = opts.priorityClassName;
  return { metadata: { creationTimestamp: null, labels }, spec };
}
