import { generateKeyPairSync, randomBytes, sign as cryptoSign } from 'node:crypto';
import { isIP } from 'node:net';
import forge from 'node-forge';
import type { SimCertificateAuthority } from './types.js';

/**
 * A throw-away certificate authority for simulated clusters: node-forge
 * builds and signs the X.509 certificates, node:crypto generates the RSA keys
 * (much faster than forge's pure-JS key generation).
 */

function newKeyPair(): { privateKeyPem: string; publicKey: forge.pki.PublicKey } {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'pem' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  return { privateKeyPem: privateKey, publicKey: forge.pki.publicKeyFromPem(publicKey) };
}

/**
 * Signs `cert` with SHA-256/RSA using node:crypto (forge's pure-JS RSA
 * signing costs ~0.5 s per certificate); the TBS structure is forge's.
 */
function signCert(cert: forge.pki.Certificate, keyPem: string): void {
  const oid = forge.pki.oids.sha256WithRSAEncryption;
  const c = cert as forge.pki.Certificate & { signatureOid: string; siginfo: { algorithmOid: string }; tbsCertificate: forge.asn1.Asn1; signature: string };
  c.signatureOid = oid;
  c.siginfo.algorithmOid = oid;
  c.tbsCertificate = (forge.pki as unknown as { getTBSCertificate(x: forge.pki.Certificate): forge.asn1.Asn1 }).getTBSCertificate(cert);
  const der = forge.asn1.toDer(c.tbsCertificate).getBytes();
  c.signature = cryptoSign('sha256', Buffer.from(der, 'binary'), keyPem).toString('binary');
}

function serial(): string {
  const b = randomBytes(16);
  b[0] &= 0x7f; // positive
  return b.toString('hex');
}

const DAY = 24 * 3600 * 1000;

let leafKeys: ReturnType<typeof newKeyPair> | undefined;

/**
 * The key pair of issued (leaf) certificates: generated once per process and
 * shared, because RSA key generation costs 0.2–0.5 s and a simulator's leaf
 * keys protect nothing. Every CA still has its own key, so a certificate
 * never verifies against another CA.
 */
function leafKeyPair(): ReturnType<typeof newKeyPair> {
  leafKeys ??= newKeyPair();
  return leafKeys;
}

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
  signCert(cert, keys.privateKeyPem);
  const caCert = cert;
  const caKeyPem = keys.privateKeyPem;

  return {
    certPem: forge.pki.certificateToPem(caCert),
    keyPem: keys.privateKeyPem,
    issue(options) {
      const k = leafKeyPair();
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
      signCert(c, caKeyPem);
      return { certPem: forge.pki.certificateToPem(c), keyPem: k.privateKeyPem };
    },
  };
}
