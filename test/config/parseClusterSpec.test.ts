import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseClusterSpec, type ClusterSpec } from '../../src/config/index.js';
import { KubeatlasError } from '../../src/util/errors.js';
import { createTestCa, type TestCa } from '../clusters/helpers/certs.js';

const root = mkdtempSync(join(tmpdir(), 'kubeatlas-spec-'));
const filesDir = join(root, 'files');
const outside = join(root, 'outside');
const SECRET = 'sk-very-secret-token-0123456789';
let ca: TestCa;
let client: { certPem: string; keyPem: string };
let otherKey: string;

const runtime = { clusterFilesDir: filesDir, source: 'runtime' as const };
const fromConfig = { clusterFilesDir: filesDir, source: 'config' as const };

function kubeconfig(opts: { user?: string; cluster?: string; context?: string; extraUser?: string } = {}): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    `current-context: ${opts.context ?? 'dev'}`,
    'clusters:',
    `- name: ${opts.cluster ?? 'dev-cluster'}`,
    '  cluster:',
    '    server: https://127.0.0.1:6443',
    `    certificate-authority-data: ${Buffer.from(ca.certPem).toString('base64')}`,
    'users:',
    `- name: ${opts.user ?? 'dev-user'}`,
    '  user:',
    `    token: ${SECRET}`,
    ...(opts.extraUser ? [opts.extraUser] : []),
    'contexts:',
    '- name: dev',
    '  context: { cluster: dev-cluster, user: dev-user }',
    '- name: other',
    '  context: { cluster: missing-cluster, user: dev-user }',
  ].join('\n');
}

/** The BAD_USER_INPUT error `fn` throws; asserts code, field and that no secret leaks. */
function badInput(fn: () => unknown, field: string): KubeatlasError {
  let caught: unknown;
  try {
    fn();
  } catch (e) {
    caught = e;
  }
  expect(caught).toBeInstanceOf(KubeatlasError);
  const err = caught as KubeatlasError;
  expect(err.code).toBe('BAD_USER_INPUT');
  expect(err.details.field).toBe(field);
  expect(err.message.startsWith(`${field}: `)).toBe(true);
  expect(err.message).not.toContain('\n');
  for (const s of [SECRET, 'BEGIN', 'MII']) expect(err.message).not.toContain(s);
  expect(JSON.stringify(err.details)).not.toContain(SECRET);
  return err;
}

beforeAll(() => {
  ca = createTestCa();
  client = ca.issue({ commonName: 'alice', client: true });
  otherKey = createTestCa('other').keyPem;
  mkdirSync(join(filesDir, 'tokens'), { recursive: true });
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(filesDir, 'tokens', 'sa'), `${SECRET}\n`);
  writeFileSync(join(filesDir, 'tokens', 'empty'), '\n');
  writeFileSync(join(filesDir, 'ca.crt'), ca.certPem);
  writeFileSync(join(filesDir, 'kubeconfig'), kubeconfig());
  writeFileSync(join(outside, 'token'), SECRET);
  symlinkSync(join(outside, 'token'), join(filesDir, 'tokens', 'escape'));
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('parseClusterSpec', () => {
  it('accepts a TOKEN entry with PEM caData and fills defaults', () => {
    const spec: ClusterSpec = parseClusterSpec({ clusterId: 'prod-1', authMethod: 'TOKEN', server: 'https://10.0.0.1:6443', token: SECRET, tls: { caData: ca.certPem } }, runtime);
    expect(spec).toMatchObject({ clusterId: 'prod-1', qps: 5, burst: 10, timeoutSeconds: 30, keepSecretValues: false, labels: {} });
  });

  it('treats null fields (as GraphQL sends them) as absent', () => {
    const spec = parseClusterSpec({ clusterId: 'a', authMethod: 'TOKEN', server: 'https://a:6443', token: SECRET, kubeconfig: null, tls: { caData: ca.certPem, caFile: null } }, runtime);
    expect(spec.kubeconfig).toBeUndefined();
    expect(spec.tls).toEqual({ caData: ca.certPem });
  });

  it('requires an RFC 1123 clusterId', () => {
    expect(badInput(() => parseClusterSpec({ clusterId: 'Prod_1', authMethod: 'IN_CLUSTER' }, runtime), 'clusterId').message).toMatch(/RFC 1123/);
    badInput(() => parseClusterSpec({ clusterId: 'a'.repeat(64), authMethod: 'IN_CLUSTER' }, runtime), 'clusterId');
    badInput(() => parseClusterSpec({ authMethod: 'IN_CLUSTER' }, runtime), 'clusterId');
  });

  it('names the field an auth method is missing, and rejects fields it does not use', () => {
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'TOKEN', server: 'https://a:6443' }, runtime), 'token').message).toBe('token: required for authMethod TOKEN');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443', token: SECRET }, runtime), 'tokenFile');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfigPath: 'kubeconfig', token: SECRET }, runtime), 'token');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG' }, runtime), 'kubeconfigPath');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'TOKEN', server: 'https://user:pw@a:6443', token: SECRET }, runtime), 'server');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'TOKEN', server: 'https://a:6443', token: SECRET, tls: { certData: client.certPem } }, runtime), 'tls.keyData');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'TOKEN', server: 'https://a:6443', token: SECRET, bogus: 1 }, runtime), 'bogus');
  });

  it('rejects a kubeconfig that does not parse without quoting it', () => {
    const err = badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: `users:\n- name: u\n  user: {token: "${SECRET}\n  bad: [` }, runtime), 'kubeconfig');
    expect(err.message).toMatch(/^kubeconfig: invalid YAML at line \d+/);
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: 'just a string' }, runtime), 'kubeconfig');
  });

  it('checks that the context exists and that its cluster and user are defined', () => {
    const ok = parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: kubeconfig() }, runtime);
    expect(ok.kubeconfig).toBeDefined();
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: kubeconfig(), context: 'nope' }, runtime), 'context').message).toBe('context: context "nope" is not defined in the kubeconfig');
    const noUser = badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: kubeconfig({ user: 'someone-else' }) }, runtime), 'kubeconfig');
    expect(noUser.message).toBe('kubeconfig: context "dev" names user "dev-user", which the kubeconfig does not define');
    const noCluster = badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: kubeconfig(), context: 'other' }, runtime), 'kubeconfig');
    expect(noCluster.message).toContain('names cluster "missing-cluster"');
  });

  it('forbids exec plugins and outside files in inline kubeconfigs added at runtime', () => {
    const exec = kubeconfig({ extraUser: '    exec: { apiVersion: client.authentication.k8s.io/v1, command: /bin/sh, args: ["-c", "id"] }' });
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: exec }, runtime), 'kubeconfig').message).toMatch(/exec credential plugins/);
    // The same entry from the config file is allowed (the operator wrote it).
    expect(parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: exec }, fromConfig).clusterId).toBe('a');
    const outsideCa = kubeconfig().replace(/certificate-authority-data: .*/, `certificate-authority: ${join(outside, 'token')}`);
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfig: outsideCa }, runtime), 'kubeconfig').message).toMatch(/inside clusterFilesDir/);
  });

  it('resolves relative paths against clusterFilesDir and checks the files', () => {
    const spec = parseClusterSpec({ clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443', tokenFile: 'tokens/sa', tls: { caFile: 'ca.crt' } }, runtime);
    expect(spec.tokenFile).toBe(join(filesDir, 'tokens/sa'));
    expect(spec.tls?.caFile).toBe(join(filesDir, 'ca.crt'));
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443', tokenFile: 'tokens/missing' }, runtime), 'tokenFile').message).toBe('tokenFile: file not found');
    expect(badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443', tokenFile: 'tokens/empty' }, runtime), 'tokenFile').message).toBe('tokenFile: the token file is empty');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443', tokenFile: 'tokens' }, runtime), 'tokenFile');
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfigPath: 'nope.yaml' }, runtime), 'kubeconfigPath');
  });

  it('keeps runtime paths inside clusterFilesDir: no .. escape, no absolute path outside, no symlink outside', () => {
    const base = { clusterId: 'a', authMethod: 'SERVICE_ACCOUNT', server: 'https://a:6443' };
    expect(badInput(() => parseClusterSpec({ ...base, tokenFile: '../outside/token' }, runtime), 'tokenFile').message).toBe('tokenFile: must be a file inside clusterFilesDir');
    badInput(() => parseClusterSpec({ ...base, tokenFile: join(outside, 'token') }, runtime), 'tokenFile');
    // The lexical check comes first: a missing file outside gives the same answer as an existing one.
    expect(badInput(() => parseClusterSpec({ ...base, tokenFile: '/etc/does-not-exist' }, runtime), 'tokenFile').message).toBe('tokenFile: must be a file inside clusterFilesDir');
    expect(badInput(() => parseClusterSpec({ ...base, tokenFile: 'tokens/escape' }, runtime), 'tokenFile').message).toMatch(/symlink leads outside/);
    badInput(() => parseClusterSpec({ clusterId: 'a', authMethod: 'KUBECONFIG', kubeconfigPath: '/etc/passwd' }, runtime), 'kubeconfigPath');
    // Config-file entries are trusted: any path is allowed.
    expect(parseClusterSpec({ ...base, tokenFile: join(outside, 'token') }, fromConfig).tokenFile).toBe(join(outside, 'token'));
  });

  it('parses TLS material and checks that key and certificate match', () => {
    const base = { clusterId: 'a', authMethod: 'TOKEN', server: 'https://a:6443', token: SECRET };
    expect(badInput(() => parseClusterSpec({ ...base, tls: { caData: 'not a certificate' } }, runtime), 'tls.caData').message).toBe('tls.caData: not PEM (nor base64 of PEM)');
    const broken = '-----BEGIN CERTIFICATE-----\nMIIBroken\n-----END CERTIFICATE-----\n';
    expect(badInput(() => parseClusterSpec({ ...base, tls: { caData: broken } }, runtime), 'tls.caData').message).toBe('tls.caData: not a valid X.509 certificate');
    expect(badInput(() => parseClusterSpec({ ...base, tls: { certData: client.certPem, keyData: otherKey } }, runtime), 'tls.keyData').message).toBe('tls.keyData: the key does not match the client certificate');
    const ok = parseClusterSpec({ ...base, tls: { caData: Buffer.from(ca.certPem).toString('base64'), certData: client.certPem, keyData: client.keyPem } }, runtime);
    expect(ok.tls?.certData).toBe(client.certPem);
  });
});
