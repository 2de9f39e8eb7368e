import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';
import { KubeatlasError } from '../util/errors.js';

const PREFIX = 'enc:v1:';

/** scrypt cost: ~50 ms once per salt on a small machine (the derived key is cached). */
const SCRYPT = { N: 1 << 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 };

/**
 * AES-256-GCM encryption of individual string values, with a key derived by
 * scrypt from a passphrase (KUBEATLAS_SECRET_KEY) and a per-file salt. Each
 * value gets a fresh 12-byte IV; `context` (e.g. "prod-1/token") is bound as
 * additional authenticated data, so a ciphertext cannot be moved to another
 * field or cluster.
 */
export class SecretBox {
  private constructor(
    private readonly key: Buffer,
    readonly salt: Buffer,
  ) {}

  static async create(passphrase: string, salt: Buffer = randomBytes(16)): Promise<SecretBox> {
    const key = await new Promise<Buffer>((resolve, reject) => scrypt(passphrase, salt, 32, SCRYPT, (err, k) => (err ? reject(err) : resolve(k))));
    return new SecretBox(key, salt);
  }

  static isSealed(value: unknown): value is string {
    return typeof value === 'string' && value.startsWith(PREFIX);
  }

  seal(plain: string, context: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context, 'utf8'));
    const ct = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final()]);
    return PREFIX + Buffer.concat([iv, cipher.getAuthTag(), ct]).toString('base64');
  }

  /** Throws CONFIG_INVALID when the value was sealed with another key or altered. */
  open(sealed: string, context: string): string {
    const raw = Buffer.from(sealed.slice(PREFIX.length), 'base64');
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.key, raw.subarray(0, 12));
      decipher.setAAD(Buffer.from(context, 'utf8'));
      decipher.setAuthTag(raw.subarray(12, 28));
      return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
    } catch {
      throw new KubeatlasError('CONFIG_INVALID', `cannot decrypt ${context}: wrong KUBEATLAS_SECRET_KEY, or the state file was altered`, { context });
    }
  }
}
