// Times every executed query and mutation (HTTP and WebSocket alike) into
// flowdeck_graphql_operation_duration_seconds {operation, outcome}. A document refused before
// execution (parse, validation, limits) is not an operation and is not counted here.
// Operation names come from clients, so they are capped: after MAX_NAMES distinct ones, the rest
// are counted as "other" (a caller sending random names must not grow the series without bound).
import { getOperationAST } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Histogram } from 'prom-client';

export const MAX_OPERATION_NAMES = 200;

export function useOperationMetrics(histogram: Histogram<'operation' | 'outcome'>): Plugin {
  const seen = new Set<string>();
  const label = (name: string | undefined | null): string => {
    if (!name) return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size >= MAX_OPERATION_NAMES) return 'other';
    seen.add(name);
    return name;
  };
  return {
    onExecute({ args }) {
      const started = performance.now();
      const operation = label(getOperationAST(args.document, args.operationName)?.name?.value ?? args.operationName);
      return {
        onExecuteDone({ result }) {
          // An incremental (@defer/@stream) result is timed to its first part.
          const outcome = Symbol.asyncIterator in result || !result.errors?.length ? 'ok' : 'error';
          histogram.observe({ operation, outcome }, (performance.now() - started) / 1000);
        },
      };
    },
  };
}
