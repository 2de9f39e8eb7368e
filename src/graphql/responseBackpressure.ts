import type { ServerResponse } from 'node:http';

/**
 * Backpressure for a streamed HTTP response (SSE): graphql-yoga keeps pulling
 * events and buffers them in the response whatever the client reads, so the
 * subscription layer asks this guard before taking the next event.
 *
 * `ready()` answers true at once while the response's buffer is below
 * `maxBufferedBytes`; otherwise it waits for 'drain'. A client that does not
 * drain within `stallTimeoutMs` is cut off: the response is destroyed (the
 * client sees the stream end and resumes with its last cursor) and `ready()`
 * resolves false. Meanwhile the event bus keeps the subscriber's queue bounded
 * and ends it as too slow when it overflows.
 */
export interface Backpressure {
  /** `true` at once when the response can take more (the common case: no promise); otherwise resolves once it can (true) or was cut off (false). */
  ready(): boolean | Promise<boolean>;
}

export function responseBackpressure(res: ServerResponse, opts: { maxBufferedBytes: number; stallTimeoutMs: number }): Backpressure {
  return {
    ready: () => {
      if (res.destroyed) return false;
      if (!res.writableNeedDrain && res.writableLength < opts.maxBufferedBytes) return true;
      return new Promise<boolean>((resolve) => {
        const done = (ok: boolean) => {
          clearTimeout(timer);
          res.off('drain', onDrain);
          res.off('close', onClose);
          resolve(ok);
        };
        const onDrain = () => done(true);
        const onClose = () => done(false);
        const timer = setTimeout(() => {
          res.destroy();
          done(false);
        }, opts.stallTimeoutMs);
        timer.unref();
        res.once('drain', onDrain);
        res.once('close', onClose);
      });
    },
  };
}
