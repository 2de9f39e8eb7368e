import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';

/**
 * Test certificates: node:crypto makes the RSA keys (fast, native), node-forge
 * builds and signs the X.509 certificates. For config tests that need TLS
 * material without a server.
 */

export interface TestCa {
  certPem: string;
  keyPem: string;
  issue(o: { commonName: string; organizations?: string[]; client?: boolean; hosts?: string[]; notBefore?: Date; notAfter?: Date }): { certPem: string; keyPem: string };
}

function keyPair() {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { keyPem: privateKey, pub: forge.pki.publicKeyFromPem(publicKey), priv: forge.pki.privateKeyFromPem(privateKey) as forge.pki.rsa.PrivateKey };
}

function serial(): string {
  const b = randomBytes(12);
  b[0] &= 0x7f;
  return b.toString('hex');
}

export function createTestCa(commonName = 'kubeatlas-test-ca'): TestCa {
  const k = keyPair();
  const ca = forge.pki.createCertificate();
  ca.publicKey = k.pub;
  ca.serialNumber = serial();
  ca.validity.notBefore = new Date(Date.now() - 86_400_000);
  ca.validity.notAfter = new Date(Date.now() + 3650 * 86_400_000);
  const attrs = [{ name: 'commonName', value: commonName }];
  ca.setSubject(attrs);
  ca.setIssuer(attrs);
  ca.setExtensions([
    { name: 'basicConstraints', cA: true, critical: true },
    { name: 'keyUsage', keyCertSign: true, cRLSign: true, digitalSignature: true, critical: true },
    { name: 'subjectKeyIdentifier' },
  ]);
  ca.sign(k.priv, forge.md.sha256.create());
  return {
    certPem: forge.pki.certificateToPem(ca),
    keyPem: k.keyPem,
    issue(o) {
      const kk = keyPair();
      const c = forge.pki.createCertificate();
      c.publicKey = kk.pub;
      c.serialNumber = serial();
      c.validity.notBefore = o.notBefore ?? new Date(Date.now() - 60_000);
      c.validity.notAfter = o.notAfter ?? new Date(Date.now() + 365 * 86_400_000);
      c.setSubject([...(o.organizations ?? []).map((v) => ({ name: 'organizationName', value: v })), { name: 'commonName', value: o.commonName }]);
      c.setIssuer(ca.subject.attributes);
      const hosts = o.hosts ?? (o.client ? [] : ['127.0.0.1', 'localhost']);
      c.setExtensions([
        { name: 'basicConstraints', cA: false },
        { name: 'keyUsage', digitalSignature: true, keyEncipherment: true, critical: true },
        o.client ? { name: 'extKeyUsage', clientAuth: true } : { name: 'extKeyUsage', serverAuth: true },
        ...(hosts.length ? [{ name: 'subjectAltName', altNames: hosts.map((h) => (isIP(h) ? { type: 7, ip: h } : { type: 2, value: h })) }] : []),
      ]);
      c.sign(k.priv, forge.md.sha256.create());
      return { certPem: forge.pki.certificateToPem(c), keyPem: kk.keyPem };
    },
  };
}
