// Expected failures thrown by services (errors.ts) reach the client with their message and
// extensions.code; everything else is masked by Yoga's default ("Unexpected error.").
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type YogaServerOptions } from 'graphql-yoga';
import { FlowdeckError, RateLimitedError, ValidationError } from '../../errors.ts';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

export const maskError: MaskError = (error, message, isDev) => {
  const original = error instanceof GraphQLError ? error.originalError : error;
  if (original instanceof FlowdeckError) {
    const g = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: g?.nodes,
      path: g?.path,
      extensions: {
        code: original.code,
        ...(original instanceof ValidationError ? { problems: original.problems } : {}),
        ...(original instanceof RateLimitedError ? { retryAfterMs: original.retryAfterMs } : {}),
      },
    });
  }
  return yogaMaskError(error, message, isDev);
};
