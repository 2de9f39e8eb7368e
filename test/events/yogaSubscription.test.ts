import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GraphQLError } from 'graphql';
import { createSchema, createYoga } from 'graphql-yoga';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../src/events/eventBus.js';
import type { BusEvent } from '../../src/events/types.js';
import { isKubeatlasError } from '../../src/util/errors.js';
import { POD, createCatalog, filterOf, pod, type TestCatalog } from './support/catalog.js';
import { waitFor } from './support/iterate.js';

/**
 * The bus plugged into a real graphql-yoga subscription resolver (SSE over
 * HTTP), the way the GraphQL layer uses it: when the client goes away, yoga
 * calls return() and the subscription is released on the server.
 */
describe('EventBus behind a graphql-yoga subscription', () => {
  let catalog: TestCatalog;
  let bus: EventBus;
  let server: Server;
  let url: string;

  beforeAll(async () => {
    catalog = createCatalog();
    bus = new EventBus(catalog.store);
    const yoga = createYoga({
      schema: createSchema({
        typeDefs: /* GraphQL */ `
          type Query { ok: Boolean }
          type ResourceEvent { type: String! name: String! cursor: String! }
          type Subscription { resourceEvents(labelSelector: String, since: String): ResourceEvent! }
        `,
        resolvers: {
          Subscription: {
            resourceEvents: {
              subscribe: (_: unknown, args: { labelSelector?: string; since?: string }, ctx: { request: Request }) => {
                try {
                  return bus.subscribe(filterOf({ labelSelector: args.labelSelector }), { since: args.since ?? undefined, signal: ctx.request.signal });
                } catch (e) {
                  // what the GraphQL layer's error mapping does: the code goes to extensions.code
                  if (isKubeatlasError(e)) throw new GraphQLError(e.message, { extensions: { code: e.code } });
                  throw e;
                }
              },
              resolve: (e: BusEvent) => ({ type: e.type, name: e.record.name, cursor: e.cursor }),
            },
          },
        },
      }),
      logging: false,
    });
    server = createServer(yoga);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/graphql`;
  });

  afterAll(async () => {
    bus.close();
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });

  /** Opens an SSE subscription and returns a reader of its `next` payloads. */
  async function open(query: string, signal: AbortSignal) {
    const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'text/event-stream' }, body: JSON.stringify({ query }), signal });
    expect(res.status).toBe(200);
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    let buffer = '';
    return async function nextPayload(): Promise<{ data?: { resourceEvents: { type: string; name: string; cursor: string } }; errors?: unknown[] }> {
      for (;;) {
        const end = buffer.indexOf('\n\n');
        if (end >= 0) {
          const frame = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          const data = frame.split('\n').find((l) => l.startsWith('data:'));
          if (frame.startsWith('event: next') && data) return JSON.parse(data.slice(5));
          continue;
        }
        const { value, done } = await reader.read();
        if (done) throw new Error('stream ended');
        buffer += value;
      }
    };
  }

  it('streams filtered events, resumes with since, and releases the subscription when the client disconnects', async () => {
    const ac = new AbortController();
    const next = await open('subscription { resourceEvents(labelSelector: "app=web") { type name cursor } }', ac.signal);
    await waitFor(() => bus.stats().live === 1, 5000, 'subscription registered');
    catalog.apply('c1', POD, 'ADDED', pod('a', { labels: { app: 'web' } }));
    catalog.apply('c1', POD, 'ADDED', pod('b', { labels: { app: 'db' } }));
    catalog.apply('c1', POD, 'MODIFIED', pod('b', { labels: { app: 'web' } }));
    const first = (await next()).data!.resourceEvents;
    const second = (await next()).data!.resourceEvents;
    expect([first.type, first.name, second.type, second.name]).toEqual(['ADDED', 'a', 'ADDED', 'b']);

    ac.abort(); // the client goes away
    await waitFor(() => bus.stats().subscriptions === 0, 5000, 'subscription released after the client disconnected');

    catalog.apply('c1', POD, 'DELETED', pod('a', { labels: { app: 'web' } }));
    const ac2 = new AbortController();
    const resumed = await open(`subscription { resourceEvents(labelSelector: "app=web", since: "${second.cursor}") { type name cursor } }`, ac2.signal);
    expect((await resumed()).data!.resourceEvents).toMatchObject({ type: 'DELETED', name: 'a' });
    ac2.abort();
    await waitFor(() => bus.stats().subscriptions === 0, 5000, 'resumed subscription released');
  });

  it('reports RESYNC_REQUIRED for a cursor from another incarnation', async () => {
    const ac = new AbortController();
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: 'subscription { resourceEvents(since: "AAAAAAAA.00000000001") { name } }' }),
      signal: ac.signal,
    });
    const body = (await res.json()) as { errors: Array<{ message: string; extensions: { code: string } }> };
    expect(body.errors[0].extensions.code).toBe('RESYNC_REQUIRED');
    expect(body.errors[0].message).toContain('another server incarnation');
    expect(bus.stats().subscriptions).toBe(0);
  });
});
