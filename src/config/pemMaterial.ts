import { X509Certificate, createPrivateKey, type KeyObject } from 'node:crypto';

/**
 * Checks of TLS material with node:crypto. Every failure is a short problem
 * text without the material itself.
 */

export class PemProblem extends Error {}

const CERT_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]*?-----END CERTIFICATE-----/g;

/**
 * Accepts PEM, or base64 of PEM (the kubeconfig `*-data` convention), and
 * returns PEM text. Throws PemProblem otherwise.
 */
export function toPem(value: string | Buffer): string {
  const text = typeof value === 'string' ? value : value.toString('utf8');
  if (text.includes('-----BEGIN')) return text;
  const compact = text.replace(/\s+/g, '');
  if (/^[A-Za-z0-9+/]+=*$/.test(compact)) {
    const decoded = Buffer.from(compact, 'base64').toString('utf8');
    if (decoded.includes('-----BEGIN')) return decoded;
  }
  throw new PemProblem('not PEM (nor base64 of PEM)');
}

/** Parses every certificate of a PEM bundle; returns them (at least one). */
export function parseCertificates(value: string | Buffer): X509Certificate[] {
  const pem = toPem(value);
  const blocks = pem.match(CERT_BLOCK) ?? [];
  if (blocks.length === 0) throw new PemProblem('no PEM certificate found');
  return blocks.map((b, i) => {
    try {
      return new X509Certificate(b);
    } catch {
      throw new PemProblem(blocks.length > 1 ? `certificate #${i + 1} of the bundle is not a valid X.509 certificate` : 'not a valid X.509 certificate');
    }
  });
}

/** Parses a PEM private key (unencrypted PKCS#1, PKCS#8 or SEC1). */
export function parsePrivateKey(value: string | Buffer): KeyObject {
  const pem = toPem(value);
  try {
    return createPrivateKey(pem);
  } catch {
    throw new PemProblem(pem.includes('ENCRYPTED') ? 'encrypted private keys are not supported' : 'not a valid PEM private key');
  }
}

/** Checks that a client certificate and key belong together. */
export function checkKeyPair(cert: string | Buffer, key: string | Buffer): void {
  const [leaf] = parseCertificates(cert);
  const k = parsePrivateKey(key);
  if (!leaf.checkPrivateKey(k)) throw new PemProblem('the key does not match the client certificate');
}
