import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

/**
 * Runtime assets of the simulator: documents captured from a real
 * kube-apiserver v1.28.7 (discovery, OpenAPI), read once per process.
 */

const ASSET_DIR = join(dirname(fileURLToPath(import.meta.url)), 'assets');
const cache = new Map<string, Buffer>();

/** Raw bytes of an asset (".gz" files are stored compressed and returned decompressed). */
export function assetBytes(relativePath: string): Buffer {
  let b = cache.get(relativePath);
  if (!b) {
    const raw = readFileSync(join(ASSET_DIR, relativePath));
    b = relativePath.endsWith('.gz') ? gunzipSync(raw) : raw;
    cache.set(relativePath, b);
  }
  return b;
}

export function assetText(relativePath: string): string {
  return assetBytes(relativePath).toString('utf8');
}

export function assetJson<T>(relativePath: string): T {
  return JSON.parse(assetText(relativePath)) as T;
}
