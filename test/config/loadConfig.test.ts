import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'kubeatlas-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function file(yaml: string, subdir = ''): string {
  const d = join(dir, subdir || `c${n++}`);
  mkdirSync(d, { recursive: true });
  const f = join(d, 'kubeatlas.yaml');
  writeFileSync(f, yaml);
  return f;
}

/** Runs loadConfig and returns the ConfigError it throws (fails the test if it does not throw one). */
function configError(opts: Parameters<typeof loadConfig>[0]): ConfigError {
  try {
    loadConfig(opts);
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    const err = e as ConfigError;
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.message).not.toContain('\n');
    return err;
  }
  throw new Error('loadConfig did not throw');
}

describe('loadConfig', () => {
  it('applies documented defaults without file, env or flags', () => {
    const cfg = loadConfig({ argv: [], env: {}, cwd: dir });
    expect(cfg.port).toBe(4000);
    expect(cfg.host).toBe('127.0.0.1');
    expect(cfg.redisUrl).toBeUndefined();
    expect(cfg.enableMutations).toBe(false);
    expect(cfg.clusterFilesDir).toBe(dir);
    expect(cfg.stateFile).toBe(join(dir, '.kubeatlas/clusters.json'));
    expect(cfg.logLevel).toBe('info');
    expect(cfg.demo).toEqual({ enabled: 'auto', clusters: 3, objectsPerCluster: 2000, churnPerSecond: 5 });
    expect(cfg.limits.maxPageSize).toBe(500);
    expect(cfg.inCluster.serviceAccountDir).toBe('/var/run/secrets/kubernetes.io/serviceaccount');
    expect(cfg.clusters).toEqual([]);
    expect(cfg.help).toBe(false);
  });

  it('takes flags over env over file over defaults', () => {
    const f = file('port: 5000\nhost: 10.1.1.1\nlogLevel: warn\n');
    const base = { cwd: dir };
    expect(loadConfig({ ...base, argv: ['--config', f], env: {} }).port).toBe(5000);
    expect(loadConfig({ ...base, argv: ['--config', f], env: { PORT: '5500' } }).port).toBe(5500);
    expect(loadConfig({ ...base, argv: ['--config', f], env: { PORT: '5500', KUBEATLAS_PORT: '6000' } }).port).toBe(6000);
    const all = loadConfig({ ...base, argv: ['--config', f, '--port', '7000', '--log-level', 'debug'], env: { KUBEATLAS_PORT: '6000', KUBEATLAS_LOG_LEVEL: 'error', KUBEATLAS_HOST: '0.0.0.0' } });
    expect(all.port).toBe(7000);
    expect(all.logLevel).toBe('debug');
    expect(all.host).toBe('0.0.0.0');
    expect(all.configFile).toBe(f);
  });

  it('finds the file through KUBEATLAS_CONFIG, and --config wins over it', () => {
    const a = file('port: 4100\n');
    const b = file('port: 4200\n');
    expect(loadConfig({ argv: [], env: { KUBEATLAS_CONFIG: a }, cwd: dir }).port).toBe(4100);
    expect(loadConfig({ argv: ['--config', b], env: { KUBEATLAS_CONFIG: a }, cwd: dir }).port).toBe(4200);
  });

  it('parses boolean env vars and the demo flags, keeping the file\'s other demo keys', () => {
    const f = file('demo:\n  clusters: 5\n');
    const on = loadConfig({ argv: ['--config', f, '--demo'], env: { KUBEATLAS_ENABLE_MUTATIONS: 'true' }, cwd: dir });
    expect(on.enableMutations).toBe(true);
    expect(on.demo.enabled).toBe(true);
    expect(on.demo.clusters).toBe(5);
    const off = loadConfig({ argv: ['--config', f, '--no-demo', '--enable-mutations'], env: { KUBEATLAS_ENABLE_MUTATIONS: '0' }, cwd: dir });
    expect(off.demo.enabled).toBe(false);
    expect(off.enableMutations).toBe(true);
  });

  it('rejects an unknown key with one line naming its path', () => {
    const top = configError({ argv: ['--config', file('port: 4000\nprot: 5\n')], env: {}, cwd: dir });
    expect(top.message).toBe('prot: unknown key');
    const nested = configError({
      argv: ['--config', file('clusters:\n  - clusterId: a\n    authMethod: TOKEN\n    server: https://a:6443\n    token: t\n  - clusterId: b\n    authMethod: IN_CLUSTER\n    tokn: abc\n')],
      env: {},
      cwd: dir,
    });
    expect(nested.message).toBe('clusters[1].tokn: unknown key');
    expect(nested.path).toBe('clusters[1].tokn');
    const deep = configError({ argv: ['--config', file('limits:\n  maxPageSze: 10\n')], env: {}, cwd: dir });
    expect(deep.message).toBe('limits.maxPageSze: unknown key');
  });

  it('rejects an invalid enum value listing the allowed ones, without echoing the value', () => {
    const err = configError({
      argv: ['--config', file('clusters:\n  - clusterId: a\n    authMethod: KUBECONFIG\n  - clusterId: b\n    authMethod: PASSWORD-hunter2\n')],
      env: {},
      cwd: dir,
    });
    expect(err.message).toBe('clusters[1].authMethod: expected one of KUBECONFIG, IN_CLUSTER, SERVICE_ACCOUNT, TOKEN');
    expect(err.message).not.toContain('hunter2');
  });

  it('names the missing field of an auth method and never prints secrets', () => {
    const secret = 'sekret-token-value-9f8e7d';
    const err = configError({
      argv: ['--config', file(`clusters:\n  - clusterId: a\n    authMethod: TOKEN\n    token: ${secret}\n`)],
      env: {},
      cwd: dir,
    });
    expect(err.message).toBe('clusters[0].server: required for authMethod TOKEN');
    const bad = configError({
      argv: ['--config', file(`clusters:\n  - clusterId: a\n    authMethod: TOKEN\n    server: https://x:6443\n    token: ${secret}\n    qps: -1\n`)],
      env: {},
      cwd: dir,
    });
    expect(bad.message).toBe('clusters[0].qps: must be > 0');
    expect(bad.message).not.toContain(secret);
    const wrongType = configError({ argv: ['--config', file(`clusters:\n  - clusterId: a\n    authMethod: TOKEN\n    server: https://x:6443\n    token: [${secret}]\n`)], env: {}, cwd: dir });
    expect(wrongType.message).toBe('clusters[0].token: expected string');
    expect(wrongType.message).not.toContain(secret);
  });

  it('reports YAML syntax errors by position only', () => {
    const secret = 'tok-abcdef-123456';
    const err = configError({ argv: ['--config', file(`port: 4000\nclusters:\n  - clusterId: a\n    token: "${secret}\n   bad: [\n`)], env: {}, cwd: dir });
    expect(err.message).toMatch(/kubeatlas\.yaml: invalid YAML at line \d+, column \d+/);
    expect(err.message).not.toContain(secret);
  });

  it('names the variable or flag that holds an invalid value, without the value', () => {
    expect(configError({ argv: [], env: { KUBEATLAS_PORT: 'abc' }, cwd: dir }).message).toBe('port (from KUBEATLAS_PORT): expected number');
    expect(configError({ argv: ['--port', '99999'], env: {}, cwd: dir }).message).toBe('port (from --port): must be <= 65535');
    expect(configError({ argv: [], env: { KUBEATLAS_LOG_LEVEL: 'loud' }, cwd: dir }).message).toBe('logLevel (from KUBEATLAS_LOG_LEVEL): expected one of fatal, error, warn, info, debug, trace, silent');
    const redis = configError({ argv: [], env: { KUBEATLAS_REDIS_URL: 'http://user:pa55word@redis:6379' }, cwd: dir });
    expect(redis.message).toBe('redisUrl (from KUBEATLAS_REDIS_URL): expected a redis:// or rediss:// URL');
    expect(configError({ argv: [], env: { KUBEATLAS_ENABLE_MUTATIONS: 'maybe' }, cwd: dir }).message).toBe('enableMutations (from KUBEATLAS_ENABLE_MUTATIONS): expected boolean');
  });

  it('rejects unknown flags, missing flag values and positionals', () => {
    expect(configError({ argv: ['--bogus'], env: {}, cwd: dir }).message).toBe('--bogus: unknown flag (see --help)');
    expect(configError({ argv: ['--port'], env: {}, cwd: dir }).message).toBe('--port: needs a value');
    expect(configError({ argv: ['serve'], env: {}, cwd: dir }).path).toBe('flags');
    expect(loadConfig({ argv: ['--help'], env: {}, cwd: dir }).help).toBe(true);
  });

  it('reports a missing config file and duplicate cluster ids', () => {
    expect(configError({ argv: ['--config', 'nope.yaml'], env: {}, cwd: dir }).message).toBe(`--config ${join(dir, 'nope.yaml')}: file not found`);
    const dup = configError({ argv: ['--config', file('clusters:\n  - { clusterId: a, authMethod: IN_CLUSTER }\n  - { clusterId: a, authMethod: IN_CLUSTER }\n')], env: {}, cwd: dir });
    expect(dup.message).toBe('clusters[1].clusterId: duplicate id "a" (also clusters[0])');
  });

  it('resolves relative paths: file keys against the file, cluster paths against clusterFilesDir, flags against cwd', () => {
    const f = file(
      [
        'clusterFilesDir: files',
        'stateFile: state/clusters.json',
        'clusters:',
        '  - clusterId: sa',
        '    authMethod: SERVICE_ACCOUNT',
        '    server: https://10.0.0.1:6443',
        '    tokenFile: tokens/sa',
        '    tls: { caFile: /etc/abs/ca.crt, certFile: certs/c.crt, keyFile: certs/c.key }',
        '  - clusterId: kc',
        '    authMethod: KUBECONFIG',
        '    kubeconfigPath: kube/config',
      ].join('\n'),
      'paths',
    );
    const base = join(dir, 'paths');
    const cfg = loadConfig({ argv: ['--config', f], env: {}, cwd: '/somewhere/else' });
    expect(cfg.clusterFilesDir).toBe(join(base, 'files'));
    expect(cfg.stateFile).toBe(join(base, 'state/clusters.json'));
    expect(cfg.clusters[0].tokenFile).toBe(join(base, 'files/tokens/sa'));
    expect(cfg.clusters[0].tls).toEqual({ caFile: '/etc/abs/ca.crt', certFile: join(base, 'files/certs/c.crt'), keyFile: join(base, 'files/certs/c.key') });
    expect(cfg.clusters[1].kubeconfigPath).toBe(join(base, 'files/kube/config'));
    const flagged = loadConfig({ argv: ['--config', f, '--state-file', 'mine.json'], env: {}, cwd: '/work/x' });
    expect(flagged.stateFile).toBe('/work/x/mine.json');
    // Without clusterFilesDir, cluster paths are relative to the file's own directory.
    const plain = loadConfig({ argv: ['--config', file('clusters:\n  - { clusterId: a, authMethod: SERVICE_ACCOUNT, server: "https://a:1", tokenFile: t }\n', 'plain')], env: {}, cwd: dir });
    expect(plain.clusters[0].tokenFile).toBe(join(dir, 'plain', 't'));
    // ~/ is the user's home, as in a shell or kubectl.
    const tilde = loadConfig({ argv: ['--config', file('clusters:\n  - { clusterId: k, authMethod: KUBECONFIG, kubeconfigPath: ~/.kube/config }\n', 'tilde')], env: {}, cwd: dir });
    expect(tilde.clusters[0].kubeconfigPath).toBe(join(homedir(), '.kube/config'));
  });

  it('fills cluster defaults and takes IN_CLUSTER host/port from the environment', () => {
    const cfg = loadConfig({ argv: ['--config', file('clusters:\n  - { clusterId: local, authMethod: IN_CLUSTER }\n')], env: { KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, cwd: dir });
    expect(cfg.clusters[0]).toEqual({ clusterId: 'local', authMethod: 'IN_CLUSTER', labels: {}, qps: 5, burst: 10, timeoutSeconds: 30, keepSecretValues: false });
    expect(cfg.inCluster).toMatchObject({ host: '10.96.0.1', port: 443 });
  });

  it('loads every example file in config/', () => {
    const examples = resolve(__dirname, '../../config');
    const files = readdirSync(examples).filter((f) => f.endsWith('.yaml'));
    expect(files).toEqual(expect.arrayContaining(['demo.yaml', 'kubeconfig.yaml', 'in-cluster.yaml', 'kubeatlas.example.yaml']));
    for (const f of files) {
      const cfg = loadConfig({ argv: ['--config', join(examples, f)], env: {}, cwd: dir });
      expect(cfg.configFile).toBe(join(examples, f));
    }
    const example = loadConfig({ argv: ['--config', join(examples, 'kubeatlas.example.yaml')], env: {}, cwd: dir });
    expect(example.clusters.map((c) => c.clusterId)).toEqual(['prod-eu-1', 'staging', 'dev']);
  });
});
