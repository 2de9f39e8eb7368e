import { GraphQLError, parse, type DocumentNode } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { counter, histogram } from '../util/metrics.js';
import type { Limits } from './services.js';

const requests = counter({
  name: 'kubeatlas_graphql_requests_total',
  help: 'GraphQL operations by type and outcome',
  labelNames: ['operation', 'outcome'],
});
const durations = histogram({
  name: 'kubeatlas_graphql_request_duration_seconds',
  help: 'GraphQL query and mutation execution time',
  labelNames: ['operation'],
  buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
});

/**
 * Rejects oversized documents before any work: more than `maxQueryBytes`
 * characters, or more than `maxQueryTokens` lexical tokens (graphql-js stops
 * parsing at the limit). Both answer LIMIT_EXCEEDED.
 */
export function useQuerySizeLimits(limits: Pick<Limits, 'maxQueryBytes' | 'maxQueryTokens'>): Plugin {
  return {
    onParams({ params }) {
      if (typeof params.query === 'string' && params.query.length > limits.maxQueryBytes) {
        throw new GraphQLError(`query is ${params.query.length} bytes, more than the maximum of ${limits.maxQueryBytes}`, {
          extensions: { code: 'LIMIT_EXCEEDED', limit: 'bytes', max: limits.maxQueryBytes, http: { status: 413 } },
        });
      }
    },
    onParse({ setParseFn }) {
      setParseFn((source, options) => {
        try {
          return parse(source, { ...options, maxTokens: limits.maxQueryTokens });
        } catch (e) {
          if (e instanceof GraphQLError && /maximum number of tokens/i.test(e.message))
            throw new GraphQLError(`query has more than ${limits.maxQueryTokens} tokens`, { extensions: { code: 'LIMIT_EXCEEDED', limit: 'tokens', max: limits.maxQueryTokens } });
          throw e;
        }
      });
    },
  };
}

/** Counts operations and times queries/mutations for /metrics. */
export function useOperationMetrics(): Plugin {
  return {
    onExecute({ args }) {
      const op = (args.document as DocumentNode).definitions.find((d) => d.kind === 'OperationDefinition');
      const operation = op && 'operation' in op ? op.operation : 'unknown';
      const end = durations.startTimer({ operation });
      return {
        onExecuteDone({ result }) {
          end();
          const failed = 'errors' in result && Array.isArray(result.errors) && result.errors.length > 0;
          requests.inc({ operation, outcome: failed ? 'error' : 'ok' });
        },
      };
    },
    onSubscribe() {
      requests.inc({ operation: 'subscription', outcome: 'started' });
    },
  };
}
