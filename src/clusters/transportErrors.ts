/**
 * Short, user-facing reasons for transport failures (what `lastError` shows):
 * "connection refused", "TLS: certificate signed by unknown authority",
 * "timed out after 30s". They name the failure class only, never a header,
 * a token or certificate contents.
 */

const TLS_UNKNOWN_AUTHORITY = new Set([
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_SIGNATURE_FAILURE',
]);

/** Error codes of a thrown value, including those of an AggregateError's members and causes. */
function codesOf(e: unknown, depth = 0): string[] {
  if (typeof e !== 'object' || e === null || depth > 3) return [];
  const out: string[] = [];
  const code = (e as { code?: unknown }).code;
  if (typeof code === 'string') out.push(code);
  const errors = (e as { errors?: unknown }).errors;
  if (Array.isArray(errors)) for (const inner of errors) out.push(...codesOf(inner, depth + 1));
  const cause = (e as { cause?: unknown }).cause;
  if (cause) out.push(...codesOf(cause, depth + 1));
  return out;
}

/** A short reason for a failed connection or exchange with an API server. */
export function describeTransportError(e: unknown): string {
  const codes = codesOf(e);
  const has = (c: string) => codes.includes(c);
  const tls = codes.find((c) => TLS_UNKNOWN_AUTHORITY.has(c));
  if (tls) return 'TLS: certificate signed by unknown authority';
  if (has('CERT_HAS_EXPIRED')) return 'TLS: the server certificate has expired';
  if (has('CERT_NOT_YET_VALID')) return 'TLS: the server certificate is not yet valid';
  if (has('ERR_TLS_CERT_ALTNAME_INVALID')) return 'TLS: the server certificate is not valid for this host name (set tls.serverName?)';
  const sslAlert = codes.find((c) => c.startsWith('ERR_SSL_'));
  if (sslAlert) return `TLS: handshake failed (${sslAlertText(sslAlert)})`;
  if (has('ECONNREFUSED')) return 'connection refused';
  if (has('ENOTFOUND') || has('EAI_AGAIN') || has('EAI_NONAME')) return 'DNS: host not found';
  if (has('EHOSTUNREACH') || has('ENETUNREACH') || has('EADDRNOTAVAIL')) return 'host unreachable';
  if (has('UND_ERR_CONNECT_TIMEOUT') || has('ETIMEDOUT')) return 'connect timed out';
  if (has('ECONNRESET') || has('EPIPE')) return 'connection reset by the server';
  if (has('UND_ERR_SOCKET') || has('UND_ERR_CLOSED')) return 'connection closed by the server';
  if (has('UND_ERR_HEADERS_OVERFLOW')) return 'response headers too large';
  if (has('HPE_INVALID_CONSTANT') || codes.some((c) => c.startsWith('HPE_'))) return 'not an HTTP server (invalid response)';
  if (has('EPROTO')) return 'TLS: protocol error (is the server speaking TLS?)';
  const first = codes[0];
  return first ? `transport error (${first})` : 'transport error';
}

function sslAlertText(code: string): string {
  const c = code.replace(/^ERR_SSL_/, '');
  if (/CERTIFICATE_EXPIRED/.test(c)) return 'the server rejected the client certificate: expired';
  if (/CERTIFICATE_REQUIRED/.test(c)) return 'the server requires a client certificate';
  if (/BAD_CERTIFICATE|UNKNOWN_CA|CERTIFICATE_UNKNOWN/.test(c)) return 'the server rejected the client certificate';
  if (/WRONG_VERSION_NUMBER/.test(c)) return 'the server does not speak TLS';
  return c.toLowerCase().replace(/_/g, ' ');
}
