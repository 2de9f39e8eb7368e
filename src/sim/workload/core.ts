import type { KubeObject } from '../../kube/types.js';
import { meta, type Labels } from './context.js';
import { fieldsV1Of, managedEntry } from './managedFields.js';
import type { Rng } from './random.js';
import { isoSeconds } from './time.js';
import { buildServiceAccount } from './config.js';

/** Namespaces and what the control plane puts in every namespace. */

export function buildNamespace(o: { name: string; uid: string; created: number; labels?: Labels; annotations?: Labels; manager?: string }): KubeObject {
  const labels: Labels = { ...(o.labels ?? {}), 'kubernetes.io/metadata.name': o.name };
  const sorted: Labels = {};
  for (const k of Object.keys(labels).sort()) sorted[k] = labels[k];
  const md: Record<string, unknown> = { labels: sorted };
  if (o.annotations) md.annotations = o.annotations;
  return {
    kind: 'Namespace',
    apiVersion: 'v1',
    metadata: meta({ name: o.name, uid: o.uid, created: o.created, labels: sorted, annotations: o.annotations, managedFields: [managedEntry(o.manager ?? 'kube-apiserver', 'v1', isoSeconds(o.created), fieldsV1Of({ metadata: md }))] }),
    spec: { finalizers: ['kubernetes'] },
    status: { phase: 'Active' },
  };
}

/** A PEM-shaped placeholder for the cluster CA bundle published in kube-root-ca.crt (deterministic per cluster). */
export function caBundlePlaceholder(clusterName: string, rng: Rng): string {
  const body = Buffer.from(`sim-cluster-ca:${clusterName}:${rng.hex(64)}`.repeat(12)).toString('base64');
  const lines = body.match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE-----\n${lines.slice(0, 17).join('\n')}\n-----END CERTIFICATE-----\n`;
}

/** The kube-root-ca.crt ConfigMap the root-ca-cert-publisher keeps in every namespace. */
export function buildRootCa(o: { namespace: string; uid: string; created: number; caPem: string }): KubeObject {
  return {
    kind: 'ConfigMap',
    apiVersion: 'v1',
    metadata: meta({
      name: 'kube-root-ca.crt',
      namespace: o.namespace,
      uid: o.uid,
      created: o.created,
      annotations: { 'kubernetes.io/description': 'Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters.' },
      managedFields: [managedEntry('kube-controller-manager', 'v1', isoSeconds(o.created), { 'f:data': { '.': {}, 'f:ca.crt': {} }, 'f:metadata': { 'f:annotations': { '.': {}, 'f:kubernetes.io/description': {} } } })],
    }),
    data: { 'ca.crt': o.caPem },
  };
}

/** The objects every namespace gets from the control plane: default ServiceAccount and kube-root-ca.crt. */
export function namespaceDefaults(namespace: string, created: number, rng: Rng, caPem: string): KubeObject[] {
  return [
    buildServiceAccount({ namespace, name: 'default', uid: rng.uuid(), created: created + 1_000 }),
    buildRootCa({ namespace, uid: rng.uuid(), created: created + 1_000, caPem }),
  ];
}

/** Every namespaced object-ref kind string (as passed to the store) for the built objects. */
export function kindRefOf(obj: KubeObject): string {
  const apiVersion = obj.apiVersion ?? 'v1';
  const slash = apiVersion.indexOf('/');
  const group = slash < 0 ? '' : apiVersion.slice(0, slash);
  return group ? `${group}/${obj.kind}` : (obj.kind as string);
}
