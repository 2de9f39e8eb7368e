import { randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ClusterSpec } from '../config/clusterSpecSchema.js';
import { KubeatlasError } from '../util/errors.js';
import type { ClusterPersistence } from './persistence.js';
import { SecretBox } from './secretBox.js';

export interface StateFilePersistenceOptions {
  /** The JSON file (default in Config: .kubeatlas/clusters.json). */
  path: string;
  /** KUBEATLAS_SECRET_KEY: when set, inline secrets are stored encrypted. */
  secretKey?: string;
}

interface StateFileV1 {
  version: 1;
  encryption?: { cipher: 'aes-256-gcm'; kdf: 'scrypt'; salt: string };
  clusters: unknown[];
}

type SecretPath = readonly ['token'] | readonly ['kubeconfig'] | readonly ['tls', 'keyData'] | readonly ['tls', 'certData'];
const SECRET_PATHS: readonly SecretPath[] = [['token'], ['kubeconfig'], ['tls', 'keyData'], ['tls', 'certData']];

/**
 * Runtime-added clusters in a JSON file, written atomically (temp file in the
 * same directory, fsync, rename) with mode 0600 in a 0700 directory.
 *
 * With a secret key, the inline secrets of each entry (token, kubeconfig,
 * tls.keyData, tls.certData) are stored as AES-256-GCM ciphertexts; without
 * one they are stored in clear (protected by the file mode only). Everything
 * else (ids, URLs, file paths, labels, CA data) is always in clear.
 */
export class StateFilePersistence implements ClusterPersistence {
  private box: SecretBox | undefined;

  constructor(private readonly opts: StateFilePersistenceOptions) {}

  get path(): string {
    return this.opts.path;
  }

  async load(): Promise<ClusterSpec[]> {
    let text: string;
    try {
      text = await readFile(this.opts.path, 'utf8');
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') return [];
      throw this.error(`cannot be read (${(e as { code?: string }).code ?? 'error'})`);
    }
    let doc: StateFileV1;
    try {
      doc = JSON.parse(text) as StateFileV1;
    } catch {
      throw this.error('is not valid JSON');
    }
    if (typeof doc !== 'object' || doc === null || doc.version !== 1 || !Array.isArray(doc.clusters)) throw this.error('is not a kubeatlas state file (version 1)');
    const box = doc.encryption ? await this.boxFor(Buffer.from(doc.encryption.salt, 'base64')) : undefined;
    return doc.clusters.map((entry) => this.openEntry(entry, box)) as ClusterSpec[];
  }

  async save(specs: ClusterSpec[]): Promise<void> {
    const box = this.opts.secretKey ? await this.boxFor(this.box?.salt ?? randomBytes(16)) : undefined;
    const doc: StateFileV1 = {
      version: 1,
      ...(box ? { encryption: { cipher: 'aes-256-gcm', kdf: 'scrypt', salt: box.salt.toString('base64') } } : {}),
      clusters: specs.map((s) => (box ? sealEntry(s, box) : s)),
    };
    await writeAtomically(this.opts.path, `${JSON.stringify(doc, null, 2)}\n`);
  }

  private async boxFor(salt: Buffer): Promise<SecretBox | undefined> {
    if (!this.opts.secretKey) return undefined;
    if (!this.box || !this.box.salt.equals(salt)) this.box = await SecretBox.create(this.opts.secretKey, salt);
    return this.box;
  }

  private openEntry(entry: unknown, box: SecretBox | undefined): unknown {
    if (typeof entry !== 'object' || entry === null) return entry;
    const out = structuredClone(entry) as Record<string, unknown>;
    const id = typeof out.clusterId === 'string' ? out.clusterId : '?';
    for (const path of SECRET_PATHS) {
      const holder = path.length === 1 ? out : (out[path[0]] as Record<string, unknown> | undefined);
      const key = path[path.length - 1];
      if (!holder || typeof holder !== 'object') continue;
      const value = holder[key];
      if (!SecretBox.isSealed(value)) continue;
      if (!box) throw this.error('holds encrypted secrets, but KUBEATLAS_SECRET_KEY is not set');
      holder[key] = box.open(value, `${id}/${path.join('.')}`);
    }
    return out;
  }

  private error(problem: string): KubeatlasError {
    return new KubeatlasError('CONFIG_INVALID', `state file ${this.opts.path}: ${problem}`, { path: this.opts.path });
  }
}

function sealEntry(spec: ClusterSpec, box: SecretBox): Record<string, unknown> {
  const out = structuredClone(spec) as unknown as Record<string, unknown>;
  for (const path of SECRET_PATHS) {
    const holder = path.length === 1 ? out : (out[path[0]] as Record<string, unknown> | undefined);
    const key = path[path.length - 1];
    const value = holder?.[key];
    if (holder && typeof value === 'string') holder[key] = box.seal(value, `${spec.clusterId}/${path.join('.')}`);
  }
  return out;
}

/** Writes `file` so that readers see the old or the new content, never a mix; mode 0600. */
async function writeAtomically(file: string, content: string): Promise<void> {
  await mkdir(dirname(file), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fh = await open(tmp, 'wx', 0o600);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } catch (e) {
    await fh.close().catch(() => undefined);
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
  await fh.close();
  try {
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => undefined);
    throw e;
  }
}
