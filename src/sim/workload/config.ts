import type { KubeObject } from '../../kube/types.js';
import { appliedEntry, markApplied } from './applied.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Obj } from './pods.js';
import type { Rng } from './random.js';
import { isoSeconds } from './time.js';

/** ConfigMaps, Secrets, ServiceAccounts and RBAC objects. */

export interface ConfigMapInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels?: Labels;
  data: Record<string, string>;
  /** Applied with kubectl (last-applied annotation) unless a manager is named. */
  manager?: string;
  annotations?: Labels;
}

export function buildConfigMap(c: ConfigMapInput): KubeObject {
  const annotations: Record<string, string> = { ...(c.annotations ?? {}) };
  const at = isoSeconds(c.created);
  let mf;
  if (c.manager) {
    mf = [managedEntry(c.manager, 'v1', at, fieldsV1Of({ data: c.data, metadata: { ...(c.labels ? { labels: c.labels } : {}), ...(c.annotations ? { annotations: c.annotations } : {}) } }))];
  } else {
    markApplied(annotations, { apiVersion: 'v1', kind: 'ConfigMap', name: c.name, namespace: c.namespace, labels: c.labels, fields: { data: c.data } });
    mf = [appliedEntry('v1', at, { labels: c.labels, annotations }, { data: c.data })];
  }
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: meta({ name: c.name, namespace: c.namespace, uid: c.uid, created: c.created, labels: c.labels, annotations, managedFields: mf }),
    data: c.data,
  };
}

/** Typical application configuration content. */
export function appConfigData(rng: Rng, app: string, team: string, env: string): Record<string, string> {
  const level = rng.weighted([['info', 6], ['debug', 1], ['warn', 2]] as const);
  const props = [
    `server.port=8080`,
    `server.threads=${rng.pick([8, 16, 32, 64])}`,
    `cache.ttl=${rng.pick([30, 60, 300, 900])}s`,
    `db.pool.size=${rng.pick([5, 10, 20, 40])}`,
    `upstream.timeout=${rng.pick([500, 1000, 2500])}ms`,
    `tracing.sample-rate=${rng.pick(['0.01', '0.05', '0.1'])}`,
  ].join('\n');
  return {
    log_level: level,
    FEATURE_FLAGS: rng.pick(['search,checkout', 'new-pricing', 'beta-ui,fast-path', 'none', 'ab-test-17']),
    'application.properties': `${props}\n`,
    ENVIRONMENT: env,
    SERVICE_NAME: app,
    TEAM: team,
  };
}

export interface SecretInput {
  namespace: string;
  name: string;
  uid: string;
  created: number;
  labels?: Labels;
  type: 'Opaque' | 'kubernetes.io/dockerconfigjson' | 'kubernetes.io/tls';
  /** Values already base64-encoded. */
  data: Record<string, string>;
  manager?: string;
}

export function buildSecret(s: SecretInput): KubeObject {
  const at = isoSeconds(s.created);
  const md: Obj = s.labels ? { labels: s.labels } : {};
  return {
    kind: 'Secret',
    apiVersion: 'v1',
    metadata: meta({
      name: s.name,
      namespace: s.namespace,
      uid: s.uid,
      created: s.created,
      labels: s.labels,
      managedFields: [managedEntry(s.manager ?? 'kubectl-create', 'v1', at, fieldsV1Of({ data: s.data, metadata: md, type: s.type }))],
    }),
    data: s.data,
    type: s.type,
  };
}

const b64 = (s: string): string => Buffer.from(s, 'utf8').toString('base64');

/** Fake, obviously-not-real credential values for generated secrets. */
export function fakeSecretData(rng: Rng): Record<string, string> {
  return { api_key: b64(`fake-api-key-${rng.hex(12)}`), db_password: b64(`not-a-real-password-${rng.hex(8)}`), password: b64(`not-a-real-password-${rng.hex(8)}`) };
}

export function fakeDockerConfig(team: string): Record<string, string> {
  const auth = b64(`${team}-puller:not-a-real-password`);
  return { '.dockerconfigjson': b64(JSON.stringify({ auths: { 'registry.example.com': { username: `${team}-puller`, password: 'not-a-real-password', auth } } })) };
}

export function buildServiceAccount(o: { namespace: string; name: string; uid: string; created: number; labels?: Labels; imagePullSecrets?: string[]; annotations?: Labels }): KubeObject {
  const sa: KubeObject = {
    kind: 'ServiceAccount',
    apiVersion: 'v1',
    metadata: meta({ name: o.name, namespace: o.namespace, uid: o.uid, created: o.created, labels: o.labels, annotations: o.annotations }),
  };
  if (o.labels || o.imagePullSecrets) {
    const f: Obj = { metadata: { ...(o.labels ? { labels: o.labels } : {}), ...(o.annotations ? { annotations: o.annotations } : {}) } };
    if (o.imagePullSecrets) f.imagePullSecrets = [];
    sa.metadata.managedFields = [managedEntry('kubectl-client-side-apply', 'v1', isoSeconds(o.created), fieldsV1Of(f))];
  }
  if (o.imagePullSecrets) sa.imagePullSecrets = o.imagePullSecrets.map((name) => ({ name }));
  return sa;
}

export interface PolicyRule {
  verbs: string[];
  apiGroups?: string[];
  resources?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}

export function buildRole(o: { namespace?: string; name: string; uid: string; created: number; labels?: Labels; annotations?: Labels; rules: PolicyRule[]; manager?: string; aggregationRule?: Obj }): KubeObject {
  const kind = o.namespace ? 'Role' : 'ClusterRole';
  const at = isoSeconds(o.created);
  const f: Obj = { rules: [] };
  const mdf: Obj = {};
  if (o.labels) mdf.labels = o.labels;
  if (o.annotations) mdf.annotations = o.annotations;
  f.metadata = mdf;
  if (o.aggregationRule) f.aggregationRule = o.aggregationRule;
  const obj: KubeObject = {
    kind,
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: meta({ name: o.name, namespace: o.namespace, uid: o.uid, created: o.created, labels: o.labels, annotations: o.annotations, managedFields: [managedEntry(o.manager ?? 'kubectl-client-side-apply', 'rbac.authorization.k8s.io/v1', at, fieldsV1Of(f))] }),
    rules: o.rules,
  };
  if (o.aggregationRule) obj.aggregationRule = o.aggregationRule;
  return obj;
}

export interface Subject {
  kind: 'User' | 'Group' | 'ServiceAccount';
  name: string;
  namespace?: string;
}

export function buildRoleBinding(o: { namespace?: string; name: string; uid: string; created: number; labels?: Labels; annotations?: Labels; subjects: Subject[]; roleRef: { kind: 'Role' | 'ClusterRole'; name: string }; manager?: string }): KubeObject {
  const kind = o.namespace ? 'RoleBinding' : 'ClusterRoleBinding';
  const subjects = o.subjects.map((s) => (s.kind === 'ServiceAccount' ? { kind: s.kind, name: s.name, namespace: s.namespace } : { kind: s.kind, apiGroup: 'rbac.authorization.k8s.io', name: s.name }));
  const mdf: Obj = {};
  if (o.labels) mdf.labels = o.labels;
  if (o.annotations) mdf.annotations = o.annotations;
  return {
    kind,
    apiVersion: 'rbac.authorization.k8s.io/v1',
    metadata: meta({
      name: o.name,
      namespace: o.namespace,
      uid: o.uid,
      created: o.created,
      labels: o.labels,
      annotations: o.annotations,
      managedFields: [managedEntry(o.manager ?? 'kubectl-client-side-apply', 'rbac.authorization.k8s.io/v1', isoSeconds(o.created), fieldsV1Of({ metadata: mdf, roleRef: {}, subjects: [] }))],
    }),
    subjects,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: o.roleRef.kind, name: o.roleRef.name },
  };
}
