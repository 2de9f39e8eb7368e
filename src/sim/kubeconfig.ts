import { stringify } from 'yaml';

/** A kubeconfig with one cluster/user/context, token auth and the cluster CA inlined. */
export function buildKubeconfig(opts: { name: string; url: string; caPem: string; token: string }): string {
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: opts.name, cluster: { server: opts.url, 'certificate-authority-data': Buffer.from(opts.caPem).toString('base64') } }],
    users: [{ name: `${opts.name}-admin`, user: { token: opts.token } }],
    contexts: [{ name: opts.name, context: { cluster: opts.name, user: `${opts.name}-admin` } }],
    'current-context': opts.name,
    preferences: {},
  });
}
