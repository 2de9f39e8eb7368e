import { builder } from '../builder.js';
import { KubeatlasError } from '../../util/errors.js';
import type { Context } from '../context.js';
import type { EventStream } from '../services.js';
import { ClusterEventRef, ClusterRef, ResourceEventRef, ResourceRef } from './refs.js';
import { ResourceEventTypeEnum } from './enums.js';
import { ResourceFilterInput } from './filter.js';

ResourceEventRef.implement({
  fields: (t) => ({
    type: t.field({ type: ResourceEventTypeEnum, resolve: (e) => e.type }),
    clusterId: t.exposeString('clusterId'),
    resource: t.field({ type: ResourceRef, description: 'For DELETED: the last known state.', resolve: (e) => e.record }),
    cursor: t.exposeString('cursor', { description: 'Pass back as `since` to resume after a reconnect.' }),
    at: t.field({ type: 'DateTime', resolve: (e) => new Date(e.at) }),
  }),
});

ClusterEventRef.implement({
  fields: (t) => ({
    type: t.exposeString('type', { description: 'ADDED, REMOVED, STATUS_CHANGED' }),
    cluster: t.field({ type: ClusterRef, nullable: true, resolve: (e) => e.cluster ?? null }),
    clusterId: t.exposeString('clusterId'),
    at: t.field({ type: 'DateTime', resolve: (e) => e.at }),
  }),
});

/**
 * Counts a subscription against its connection's quota for as long as the
 * stream lives; LIMIT_EXCEEDED when the connection already has the maximum.
 */
function withConnectionQuota<T>(ctx: Context, open: () => EventStream<T>): AsyncIterable<T> {
  const max = ctx.services.limits.maxSubscriptionsPerConnection;
  if (ctx.connection.activeSubscriptions >= max)
    throw new KubeatlasError('LIMIT_EXCEEDED', `at most ${max} subscriptions per connection`, { limit: 'subscriptionsPerConnection', max });
  const stream = open();
  ctx.connection.activeSubscriptions++;
  let released = false;
  const release = () => {
    if (!released) {
      released = true;
      ctx.connection.activeSubscriptions--;
    }
  };
  const done = (): IteratorResult<T> => ({ done: true, value: undefined as T });
  const take = (): Promise<IteratorResult<T>> =>
    stream.next().then(
      (r) => {
        if (r.done) release();
        return r;
      },
      (e: unknown) => {
        release();
        throw e;
      },
    );
  const stop = async (): Promise<IteratorResult<T>> => {
    release();
    await stream.return?.();
    return done();
  };
  // No async function here: this runs once per event per subscriber, and a
  // response that can take more (the common case) needs no extra promise.
  return {
    [Symbol.asyncIterator]: () => ({
      next: (): Promise<IteratorResult<T>> => {
        const backpressure = ctx.connection.backpressure;
        if (!backpressure) return take();
        let ready: boolean | Promise<boolean>;
        try {
          ready = backpressure.ready();
        } catch (e) {
          release();
          return Promise.reject(e);
        }
        if (ready === true) return take();
        if (ready === false) return stop();
        return ready.then((ok) => (ok ? take() : stop()), (e: unknown) => {
          release();
          throw e;
        });
      },
      return: async (value?: unknown) => {
        release();
        await stream.return?.(value);
        return done();
      },
      throw: async (err?: unknown) => {
        release();
        if (stream.throw) return stream.throw(err);
        throw err;
      },
    }),
  };
}

builder.subscriptionType({
  fields: (t) => ({
    resourceEvents: t.field({
      type: ResourceEventRef,
      description:
        'Changes to resources matching the filter, live. Like a Kubernetes watch with a selector: an object that starts matching arrives as ADDED, one that stops matching as DELETED. `since` resumes after a cursor (RESYNC_REQUIRED when it is too old).',
      args: {
        filter: t.arg({ type: ResourceFilterInput, required: false }),
        since: t.arg.string({ required: false }),
      },
      subscribe: (_root, args, ctx) => {
        const filter = ctx.services.compileFilter(args.filter);
        return withConnectionQuota(ctx, () => ctx.services.events.resourceEvents(filter, { since: args.since ?? undefined, signal: ctx.signal }));
      },
      resolve: (e) => e,
    }),
    clusterEvents: t.field({
      type: ClusterEventRef,
      description: 'Clusters added, removed, or changing status.',
      subscribe: (_root, _args, ctx) => withConnectionQuota(ctx, () => ctx.services.events.clusterEvents({ signal: ctx.signal })),
      resolve: (e) => e,
    }),
  }),
});
