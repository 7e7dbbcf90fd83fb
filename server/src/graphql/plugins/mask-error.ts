// Expected failures thrown by services (errors.ts) reach the client with their message and
// extensions.code; a database outage becomes SERVICE_UNAVAILABLE (HTTP 503, Retry-After), so a
// client knows to send the same request again; everything else is masked by Yoga's default
// ("Unexpected error.").
import { GraphQLError } from 'graphql';
import { maskError as yogaMaskError, type YogaServerOptions } from 'graphql-yoga';
import { isDatabaseUnavailable } from '../../db.ts';
import { FlowdeckError, RateLimitedError, ServiceUnavailableError, ValidationError } from '../../errors.ts';

type MaskError = NonNullable<Exclude<YogaServerOptions<object, object>['maskedErrors'], boolean | undefined>['maskError']>;

export const maskError: MaskError = (error, message, isDev) => {
  let original = error instanceof GraphQLError ? error.originalError : error;
  if (!(original instanceof FlowdeckError) && isDatabaseUnavailable(original)) original = new ServiceUnavailableError();
  if (original instanceof FlowdeckError) {
    const g = error instanceof GraphQLError ? error : undefined;
    return new GraphQLError(original.message, {
      nodes: g?.nodes,
      path: g?.path,
      extensions: {
        code: original.code,
        ...(original instanceof ValidationError ? { problems: original.problems } : {}),
        ...(original instanceof RateLimitedError ? { retryAfterMs: original.retryAfterMs } : {}),
        ...(original instanceof ServiceUnavailableError
          ? { retryAfterMs: original.retryAfterMs, http: { status: 503, headers: { 'retry-after': String(Math.ceil(original.retryAfterMs / 1000)) } } }
          : {}),
      },
    });
  }
  return yogaMaskError(error, message, isDev);
};
