import { describe, expect, it } from 'vitest';
import type { ExecutionResult } from 'graphql';
import { SseBody, acceptsEventStream, stringifyResult } from '../../src/graphql/sseTransport.js';

/** An async iterator over results that are all ready now (what a burst of events looks like to the body). */
function ready(results: ExecutionResult[], end: 'done' | Error = 'done'): AsyncIterator<ExecutionResult> & { returned: boolean } {
  let i = 0;
  const it = {
    returned: false,
    next: async (): Promise<IteratorResult<ExecutionResult>> => {
      if (i < results.length) return { done: false, value: results[i++] };
      if (end instanceof Error) throw end;
      return { done: true, value: undefined };
    },
    return: async (): Promise<IteratorResult<ExecutionResult>> => {
      it.returned = true;
      return { done: true, value: undefined };
    },
  };
  return it;
}

async function readAll(body: SseBody): Promise<{ chunks: string[]; error?: Error }> {
  const chunks: string[] = [];
  try {
    for await (const c of body) chunks.push(String(c));
  } catch (e) {
    return { chunks, error: e as Error };
  }
  return { chunks };
}

function messages(text: string): Array<{ event?: string; data?: string; comment?: boolean }> {
  return text
    .split('\n\n')
    .filter((m) => m.length > 0)
    .map((m) => {
      if (m.startsWith(':')) return { comment: true };
      const lines = m.split('\n');
      return { event: lines.find((l) => l.startsWith('event: '))?.slice(7), data: lines.find((l) => l.startsWith('data:'))?.slice(5).trimStart() };
    });
}

describe('batched SSE body', () => {
  it('writes the events ready in one turn as one chunk, each still its own SSE message, in order, then complete', async () => {
    const results = Array.from({ length: 50 }, (_, n) => ({ data: { resourceEvents: { n } } }));
    const body = new SseBody(ready(results), 60_000);
    const { chunks, error } = await readAll(body);
    expect(error).toBeUndefined();
    // The opening comment, then one chunk for the 50 events and the completion.
    expect(chunks).toHaveLength(2);
    expect(chunks[0]).toBe(':\n\n');
    const parsed = messages(chunks.join(''));
    expect(parsed[0]).toEqual({ comment: true });
    const next = parsed.filter((m) => m.event === 'next');
    expect(next.map((m) => JSON.parse(m.data!) as unknown)).toEqual(results);
    expect(parsed.at(-1)).toEqual({ event: 'complete', data: '' });
    expect(parsed).toHaveLength(52);
  });

  it('uses a result\'s cached serialization, and strips internal error extensions like yoga', () => {
    const cached = Object.assign({ data: { a: 1 } }, { stringify: () => '{"data":{"a":1},"cached":true}' });
    expect(stringifyResult(cached)).toBe('{"data":{"a":1},"cached":true}');
    const withErrors: ExecutionResult = {
      data: null,
      errors: [{ message: 'too slow', extensions: { code: 'LIMIT_EXCEEDED', http: { status: 500 }, unexpected: true }, toJSON: () => ({ message: 'too slow', extensions: { code: 'LIMIT_EXCEEDED', http: { status: 500 }, unexpected: true } }) } as never],
      extensions: { http: { status: 500 } } as never,
    };
    expect(JSON.parse(stringifyResult(withErrors))).toEqual({ data: null, errors: [{ message: 'too slow', extensions: { code: 'LIMIT_EXCEEDED' } }] });
  });

  it('ends the response with the stream\'s error after the events before it', async () => {
    const body = new SseBody(ready([{ data: { x: 1 } }], new Error('LIMIT_EXCEEDED')), 60_000);
    const { chunks, error } = await readAll(body);
    expect(error?.message).toBe('LIMIT_EXCEEDED');
    expect(messages(chunks.join('')).filter((m) => m.event === 'next')).toHaveLength(1);
  });

  it('returns the subscription when the client goes away', async () => {
    const it = ready([{ data: { x: 1 } }]);
    const never = { next: () => new Promise<IteratorResult<ExecutionResult>>(() => {}), return: it.return };
    const body = new SseBody(never, 60_000);
    body.resume();
    body.destroy();
    await new Promise((r) => body.once('close', r));
    expect(it.returned).toBe(true);
  });

  it('reads the Accept header as yoga does', () => {
    const req = (accept?: string) => new Request('http://x/graphql', { headers: accept === undefined ? {} : { accept } });
    expect(acceptsEventStream(req('text/event-stream'))).toBe(true);
    expect(acceptsEventStream(req('application/json, text/event-stream;q=0.9'))).toBe(true);
    expect(acceptsEventStream(req())).toBe(true);
    expect(acceptsEventStream(req('application/json'))).toBe(false);
    expect(acceptsEventStream(req('text/event-stream; charset=latin1'))).toBe(false);
  });
});
