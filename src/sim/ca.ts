import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { SimCertificateAuthority } from './types.js';

/**
 * A throw-away certificate authority for simulated clusters: node-forge
 * builds and signs the X.509 certificates, node:crypto generates the RSA keys
 * (much faster than forge's pure-JS key generation).
 */

function newKeyPair(): { privateKeyPem: string; publicKey: forge.pki.PublicKey; privateKey: forge.pki.PrivateKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey), privateKey: forge.pki.privateKeyFromPem(privateKey) };
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

const DAY = 24 * 3600 * 1000;

/** Creates a self-signed CA (10 years) that can issue serving and client certificates. */
export function createCertificateAuthority(commonName = 'kubeatlas-sim-ca'): SimCertificateAuthority {
  const keys = newKeyPair();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serial();
  cert.validity.notBefore = new Date(Date.now() - DAY);
  cert.validity.notAfter = new Date(Date.now() + 3650 * DAY);
  const attrs = [{ name: 'commonName', value: commonName }];
  cert.setSubject(attrs);
  cert.setIssuer(attrs);
  cert.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  cert.sign(keys.privateKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
  const caCert = cert;
  const caKey = keys.privateKey;

  return {
    certPem: forge.pki.certificateToPem(caCert),
    keyPem: keys.privateKeyPem,
    issue(options) {
      const k = newKeyPair();
      const c = forge.pki.createCertificate();
      c.publicKey = k.publicKey;
      c.serialNumber = serial();
      c.validity.notBefore = options.notBefore ?? new Date(Date.now() - 60_000);
      c.validity.notAfter = options.notAfter ?? new Date(Date.now() + 365 * DAY);
      const subject: forge.pki.CertificateField[] = [];
      for (const o of options.organizations ?? []) subject.push({ name: 'organizationName', value: o });
      subject.push({ name: 'commonName', value: options.commonName });
      c.setSubject(subject);
      c.setIssuer(caCert.subject.attributes);
      const ext: Array<Record<string, unknown>> = [
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        options.client ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true },
        { name: 'authorityKeyIdentifier', keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
      ];
      const hosts = options.hosts ?? (options.client ? [] : ['127.0.0.1', 'localhost']);
      if (hosts.length) {
        ext.push({
          name: 'subjectAltName',
          altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })),
        });
      }
      c.setExtensions(ext);
      c.sign(caKey as forge.pki.rsa.PrivateKey, forge.md.sha256.create());
      return { certPem: forge.pki.certificateToPem(c), keyPem: k.privateKeyPem };
    },
  };
}
