import {
  createSourceEventStream,
  execute,
  getOperationAST,
  GraphQLError,
  type ExecutionArgs,
  type ExecutionResult,
} from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { LRUCache } from 'lru-cache';
import { counter } from '../util/metrics.js';

/** Plain tallies on the per-event path; /metrics reads them when scraped. */
const tally = { executed: 0, shared_miss: 0, shared_hit: 0 };
counter({
  name: 'kubeatlas_subscription_event_executions_total',
  help: 'Subscription events by how their selection was executed: executed (alone), shared_miss (executed, then shared), shared_hit (a result shared with an identical subscription)',
  labelNames: ['outcome'],
  collect() {
    this.reset();
    for (const [outcome, n] of Object.entries(tally)) this.labels(outcome).inc(n);
  },
});

export interface SharedSubscriptionExecutionOptions<C> {
  /**
   * What, in the operation's context, can change the result of executing the
   * selection for one event (e.g. the caller's authorization scopes). Two
   * subscriptions share results only when their keys are equal; `undefined`
   * means "never share" for that operation.
   */
  contextKey: (context: C) => string | undefined;
  /** Most shared results kept (default 8192). */
  maxEntries?: number;
  /** Most characters of serialized results kept (default 16 Mi). */
  maxChars?: number;
}

/**
 * A per-event execution result shared by subscriptions with identical
 * operations. Frozen: never mutate it. `stringify` (non-enumerable) returns
 * the JSON once computed; graphql-yoga's SSE processor and kubeatlas's
 * transports use it instead of serializing the same result again.
 */
export interface SharedExecutionResult extends ExecutionResult {
  readonly stringify: (result?: unknown) => string;
}

/** A shared result in the cache, and how many members of its group have not taken it yet. */
interface CachedResult {
  readonly result: SharedExecutionResult;
  waiting: number;
}

/** The cached JSON of a result produced by this plugin, if `result` is one. */
export function sharedJsonOf(result: unknown): string | undefined {
  return typeof result === 'object' && result !== null && SHARED.has(result) ? (result as SharedExecutionResult).stringify() : undefined;
}

const SHARED = new WeakSet<object>();

/**
 * Executes a subscription's selection once per (source event, identical
 * subscription) instead of once per subscriber.
 *
 * graphql-yoga (through graphql-js / graphql-tools) maps every source event
 * of every subscription through `execute` on its own: 200 subscribers of the
 * same stream run the same selection over the same object 200 times (and
 * serialize it 200 times). No yoga or envelop plugin shares that work, so
 * this one replaces the subscribe function (envelop's `onSubscribe` →
 * `setSubscribeFn`) with graphql-js's own algorithm — `createSourceEventStream`,
 * then `execute` per event with the event as root value — plus a bounded
 * cache:
 *
 * - Key: the source event object (by identity: the event bus hands the same
 *   frozen event object to every subscriber that sees a change the same way)
 *   and the subscription key = document (by identity; yoga's parser cache
 *   returns one DocumentNode per query text), schema, operation name, the
 *   variables (JSON) and `contextKey(context)`.
 * - Only subscriptions whose key is currently held by two or more open
 *   subscriptions use the cache; a lone subscription executes as before.
 * - Only synchronous results without errors are cached, with their JSON
 *   computed once (a result with errors goes through error masking per
 *   subscriber as before);
 *   the cache is an LRU bounded by entries and by characters, so memory stays
 *   bounded whatever the number of subscribers. A subscriber that lags behind
 *   the cache executes the event itself: same result, more CPU.
 * - An entry is dropped as soon as as many members as its group had when it
 *   was executed have taken it (usually within the turn that delivered the
 *   event), so results die young instead of being promoted to V8's old
 *   generation while they age out of the LRU. A member that joined since
 *   may then execute the event itself.
 *
 * Contract for the schema: for a given event, the result of a subscription's
 * selection depends only on the event, the operation, its variables and what
 * `contextKey` names (resolvers read shared services, not per-connection
 * state). Errors raised by the source stream are wrapped as graphql-tools
 * does (a GraphQLError with the original error), so error masking is
 * unchanged.
 */
export function useSharedSubscriptionExecution<C>(options: SharedSubscriptionExecutionOptions<C>): Plugin<C & Record<string, unknown>> {
  const cache = new LRUCache<string, CachedResult>({
    max: options.maxEntries ?? 8192,
    maxSize: options.maxChars ?? 16 * 1024 * 1024,
    sizeCalculation: (r) => r.result.stringify().length + 64,
  });
  const groups = new Map<string, number>();
  const ids = new IdOf();
  const subscribe = (args: ExecutionArgs): Promise<AsyncIterableIterator<ExecutionResult> | ExecutionResult> => {
    const context = args.contextValue as C;
    const ctxKey = options.contextKey(context);
    const key =
      ctxKey === undefined
        ? undefined
        : `${ids.of(args.document)}:${ids.of(args.schema)}:${args.operationName ?? ''}:${JSON.stringify(args.variableValues ?? null)}:${ctxKey}`;
    return createSourceEventStream(args).then((stream) => {
      if (!isAsyncIterable(stream)) return stream;
      const group = key === undefined ? undefined : { key, groups };
      return new SharedResultStream(stream, args, group, cache, ids);
    });
  };
  return {
    onSubscribe({ setSubscribeFn }) {
      setSubscribeFn(subscribe as never);
    },
  };
}

/** Small integer ids for objects (documents, schemas, events), held weakly. */
class IdOf {
  private readonly map = new WeakMap<object, number>();
  private next = 1;

  of(o: object): number {
    let id = this.map.get(o);
    if (id === undefined) this.map.set(o, (id = this.next++));
    return id;
  }
}

/**
 * The response stream of one subscription: each source event executed (or
 * taken from the shared cache), errors of the source wrapped. Counts itself
 * in its key's group while open.
 */
class SharedResultStream implements AsyncIterableIterator<ExecutionResult> {
  private readonly source: AsyncIterator<unknown>;
  private member: boolean;
  private readonly operation: ReturnType<typeof getOperationAST>;

  constructor(
    source: AsyncIterable<unknown>,
    private readonly args: ExecutionArgs,
    private readonly group: { key: string; groups: Map<string, number> } | undefined,
    private readonly cache: LRUCache<string, CachedResult>,
    private readonly ids: IdOf,
  ) {
    this.source = source[Symbol.asyncIterator]();
    this.operation = getOperationAST(args.document, args.operationName);
    this.member = group !== undefined;
    if (group) group.groups.set(group.key, (group.groups.get(group.key) ?? 0) + 1);
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  async next(): Promise<IteratorResult<ExecutionResult>> {
    let r: IteratorResult<unknown>;
    try {
      r = await this.source.next();
    } catch (e) {
      this.leave();
      throw this.wrap(e);
    }
    if (r.done) {
      this.leave();
      return { done: true, value: undefined };
    }
    return { done: false, value: await this.resultFor(r.value) };
  }

  async return(): Promise<IteratorResult<ExecutionResult>> {
    this.leave();
    await this.source.return?.();
    return { done: true, value: undefined };
  }

  async throw(error?: unknown): Promise<IteratorResult<ExecutionResult>> {
    this.leave();
    if (this.source.throw) {
      await this.source.throw(error);
      return { done: true, value: undefined };
    }
    throw error;
  }

  private resultFor(payload: unknown): ExecutionResult | Promise<ExecutionResult> {
    const group = this.group;
    const shareable = group !== undefined && typeof payload === 'object' && payload !== null && (group.groups.get(group.key) ?? 0) > 1;
    if (!shareable) {
      tally.executed++;
      return execute({ ...this.args, rootValue: payload });
    }
    const cacheKey = `${this.ids.of(payload)}\u0000${group.key}`;
    const hit = this.cache.get(cacheKey);
    if (hit) {
      tally.shared_hit++;
      // Every member took it: drop it now, so it dies young instead of ageing in the LRU.
      if (--hit.waiting <= 0) this.cache.delete(cacheKey);
      return hit.result;
    }
    tally.shared_miss++;
    const result = execute({ ...this.args, rootValue: payload });
    if (isPromiseLike(result) || result.errors !== undefined) return result;
    const shared = share(result);
    this.cache.set(cacheKey, { result: shared, waiting: (group.groups.get(group.key) ?? 1) - 1 });
    return shared;
  }

  private leave(): void {
    if (!this.member || !this.group) return;
    this.member = false;
    const { key, groups } = this.group;
    const n = (groups.get(key) ?? 1) - 1;
    if (n <= 0) groups.delete(key);
    else groups.set(key, n);
  }

  /** As graphql-tools' subscribe does: the source's error becomes a GraphQLError located at the operation. */
  private wrap(e: unknown): unknown {
    if (e instanceof AggregateError) return new AggregateError(e.errors.map((x: unknown) => this.wrapOne(x)), e.message);
    return this.wrapOne(e);
  }

  private wrapOne(e: unknown): GraphQLError {
    const error = e instanceof Error ? e : new Error(String(e));
    return new GraphQLError(error.message, { originalError: error, nodes: this.operation ? [this.operation] : undefined });
  }
}

function share(result: ExecutionResult): SharedExecutionResult {
  const json = JSON.stringify(result);
  const shared = { ...result };
  Object.defineProperty(shared, 'stringify', { value: () => json, enumerable: false });
  SHARED.add(shared);
  return Object.freeze(shared) as SharedExecutionResult;
}

function isAsyncIterable(x: unknown): x is AsyncIterable<unknown> {
  return typeof x === 'object' && x !== null && typeof (x as Partial<AsyncIterable<unknown>>)[Symbol.asyncIterator] === 'function';
}

function isPromiseLike<T>(x: T | Promise<T>): x is Promise<T> {
  return typeof (x as Partial<Promise<T>>)?.then === 'function';
}
