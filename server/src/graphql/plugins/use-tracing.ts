// One span per executed query or mutation (HTTP and WebSocket alike), named by operation type and
// name ("mutation TriggerRun"), around the resolvers, so what they start (a run's job, through
// the trace context it carries) belongs to this trace. Off, the plugin does nothing per request.
//
// The span is the root of its trace: a client's `traceparent` is not followed, so a caller cannot
// attach our spans to its trace, or switch sampling off for them. Subscriptions are not traced:
// a span as long as the socket would say nothing useful.
// Errors are recorded by their code and path; their messages may echo input (see tracing.ts).
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import { inSpan, SpanKind, SpanStatusCode, tracingEnabled } from '../../tracing/tracing.ts';

const MAX_ERROR_EVENTS = 10;

export function useTracing(): Plugin {
  return {
    onExecute({ args, executeFn, setExecuteFn }) {
      if (!tracingEnabled()) return;
      const operation = getOperationAST(args.document, args.operationName);
      const type = operation?.operation ?? 'query';
      // Operation names are GraphQL names (letters, digits, _): no spaces, no free text.
      const name = (operation?.name?.value ?? args.operationName ?? '').slice(0, 100);
      const attributes = { 'graphql.operation.type': type, ...(name ? { 'graphql.operation.name': name } : {}) };
      setExecuteFn((execArgs) =>
        inSpan(name ? `${type} ${name}` : type, { kind: SpanKind.SERVER, root: true, attributes }, async (span) => {
          const result = await executeFn(execArgs);
          // An incremental (@defer/@stream) result is traced to its first part.
          const errors = Symbol.asyncIterator in result ? undefined : (result as ExecutionResult).errors;
          span?.setAttribute('flowdeck.outcome', errors?.length ? 'error' : 'ok');
          if (span && errors?.length) {
            for (const err of errors.slice(0, MAX_ERROR_EVENTS)) {
              span.addEvent('graphql.error', { 'graphql.error.code': String(err.extensions?.code ?? 'UNKNOWN'), 'graphql.error.path': err.path?.join('.') ?? '' });
            }
            span.setStatus({ code: SpanStatusCode.ERROR, message: String(errors[0]!.extensions?.code ?? 'GraphQL error') });
          }
          return result;
        }),
      );
    },
  };
}
