import { describe, expect, it } from 'vitest';
import { deriveLastError, deriveStatus, syncProgress, type SyncReport } from '../../src/clusters/clusterStatus.js';
import { parseRetryAfter } from '../../src/clusters/retryAfter.js';
import { TokenBucket } from '../../src/clusters/tokenBucket.js';
import { describeTransportError } from '../../src/clusters/transportErrors.js';

const report = (total: number, synced: number, failing: string[] = [], stale = false): SyncReport => ({
  kindsTotal: total,
  kindsSynced: synced,
  objects: 0,
  failingKinds: failing.map((kind) => ({ kind, reason: 'boom' })),
  stale,
});

describe('deriveStatus', () => {
  it('follows the documented state machine', () => {
    const ok = { state: 'ok' as const };
    expect(deriveStatus({ state: 'unknown' }, undefined)).toBe('CONNECTING');
    expect(deriveStatus(ok, undefined)).toBe('SYNCING');
    expect(deriveStatus({ state: 'unknown' }, report(3, 3))).toBe('READY'); // reflectors got through before the first probe
    expect(deriveStatus(ok, report(3, 1))).toBe('SYNCING');
    expect(deriveStatus(ok, report(3, 1, ['Pod']))).toBe('SYNCING'); // one kind still listing
    expect(deriveStatus(ok, report(3, 2, ['Pod']))).toBe('DEGRADED');
    expect(deriveStatus(ok, report(3, 3, [], true))).toBe('DEGRADED');
    expect(deriveStatus(ok, report(0, 0))).toBe('READY');
    expect(deriveStatus({ state: 'failed', reason: 'x' }, report(3, 3))).toBe('UNREACHABLE');
    expect(deriveLastError(ok, report(3, 1, ['Pod', 'Node']))).toBe('Pod: boom (and 1 more kinds failing)');
    expect(syncProgress('SYNCING', report(4, 1))).toBe(0.25);
    expect(syncProgress('READY', undefined)).toBe(1);
  });
});

describe('parseRetryAfter', () => {
  it('reads delta-seconds and HTTP dates', () => {
    const now = Date.parse('2026-11-23T10:00:00Z');
    expect(parseRetryAfter('3', now)).toBe(3);
    expect(parseRetryAfter(['1'], now)).toBe(1);
    expect(parseRetryAfter('Mon, 23 Nov 2026 10:00:05 GMT', now)).toBe(5);
    expect(parseRetryAfter('Mon, 23 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeUndefined();
    expect(parseRetryAfter(undefined, now)).toBeUndefined();
  });
});

describe('TokenBucket', () => {
  it('gives back the token of an aborted wait', async () => {
    let t = 0;
    const bucket = new TokenBucket(1, 1, () => t);
    await bucket.take();
    const ac = new AbortController();
    const waiting = bucket.take(ac.signal);
    expect(bucket.available()).toBe(-1);
    ac.abort(new Error('stop'));
    await expect(waiting).rejects.toThrow('stop');
    expect(bucket.available()).toBe(0);
    t = 1000;
    expect(bucket.available()).toBe(1);
  });
});

describe('describeTransportError', () => {
  it('names the failure class, also inside AggregateErrors and causes', () => {
    const e = (code: string) => Object.assign(new Error(`x ${code}`), { code });
    expect(describeTransportError(new AggregateError([e('ECONNREFUSED'), e('ECONNREFUSED')], 'multiple'))).toBe('connection refused');
    expect(describeTransportError(Object.assign(new Error('fetch failed'), { cause: e('SELF_SIGNED_CERT_IN_CHAIN') }))).toBe('TLS: certificate signed by unknown authority');
    expect(describeTransportError(e('ERR_SSL_SSLV3_ALERT_CERTIFICATE_EXPIRED'))).toBe('TLS: handshake failed (the server rejected the client certificate: expired)');
    expect(describeTransportError(e('ENOTFOUND'))).toBe('DNS: host not found');
    expect(describeTransportError(new Error('weird'))).toBe('transport error');
  });
});
