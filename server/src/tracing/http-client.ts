// CLIENT spans for outbound HTTP to the outside APIs (CGB, Meta Graph, Pancake POS, Supabase
// Storage), each a child of the step (or PDF render) that makes the call, with `traceparent`
// added to the request so a vendor that traces could join the trace.
//
// Attributes follow the stable HTTP semantic conventions, minus whatever could carry secrets or
// personal data: url.path without the query string (Meta and Pancake put the access token / API
// key there, CGB a phone number) and with long digit runs masked (a path segment could be a phone
// number); no headers, no bodies.
import { context, createContextKey, SpanKind, SpanStatusCode } from '@opentelemetry/api';
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_REQUEST_RESEND_COUNT,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
  ATTR_URL_PATH,
} from '@opentelemetry/semantic-conventions';
import { inSpan, injectHeaders, tracingEnabled, type Span } from './tracing.ts';

/** Which outside system a call goes to: the span's name and its `peer.service`. */
export type OutboundService = 'cgb' | 'meta' | 'pancake' | 'supabase';

/** Seven or more digits in a row: a phone number's length. Ids that long are masked too. */
const LONG_DIGITS = /\d{7,}/g;

export function safePath(url: URL): string {
  return url.pathname.replace(LONG_DIGITS, '{n}');
}

function attributes(service: OutboundService, method: string, url: URL, attempt: number | undefined) {
  return {
    'peer.service': service,
    [ATTR_HTTP_REQUEST_METHOD]: method,
    [ATTR_SERVER_ADDRESS]: url.hostname,
    [ATTR_SERVER_PORT]: Number(url.port) || (url.protocol === 'https:' ? 443 : 80),
    [ATTR_URL_PATH]: safePath(url),
    // Semantic conventions: the ordinal of this resend, absent on the first attempt.
    ...(attempt !== undefined && attempt > 1 ? { [ATTR_HTTP_REQUEST_RESEND_COUNT]: attempt - 1 } : {}),
  };
}

function recordStatus(span: Span | undefined, status: number): void {
  if (!span) return;
  span.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
  if (status >= 400) {
    span.setAttribute(ATTR_ERROR_TYPE, String(status));
    span.setStatus({ code: SpanStatusCode.ERROR });
  }
}

/**
 * Runs one HTTP exchange in a CLIENT span. `exchange` gets the headers to send (the given ones
 * plus `traceparent`). Off, it is a plain call.
 */
export function tracedExchange<R extends { status: number }>(
  call: { service: OutboundService; method: string; url: string; attempt?: number },
  headers: Record<string, string> | undefined,
  exchange: (headers: Record<string, string> | undefined) => Promise<R>,
): Promise<R> {
  // Not async itself, so that off it adds no promise of its own.
  if (!tracingEnabled()) return exchange(headers);
  const url = new URL(call.url);
  const method = call.method.toUpperCase();
  return inSpan(`${method} ${call.service}`, { kind: SpanKind.CLIENT, attributes: attributes(call.service, method, url, call.attempt) }, async (span) => {
    const withContext = { ...headers };
    injectHeaders(withContext);
    const res = await exchange(withContext);
    recordStatus(span, res.status);
    return res;
  });
}

/**
 * The attempt number of the calls made inside `fn`, for clients whose retry loop sits above a
 * fetch they do not call themselves (supabase-js). Off, `fn` is simply called.
 */
const ATTEMPT = createContextKey('flowdeck.http.attempt');

export function withAttempt<T>(attempt: number, fn: () => T): T {
  if (!tracingEnabled()) return fn();
  return context.with(context.active().setValue(ATTEMPT, attempt), fn);
}

/** A fetch for libraries that take one (supabase-js's `global.fetch`) that traces each request. */
export function tracedFetch(service: OutboundService, inner: typeof fetch = (...args) => fetch(...args)): typeof fetch {
  return (input, init) => {
    if (!tracingEnabled()) return inner(input, init);
    const request = input instanceof Request ? input : undefined;
    const url = request ? request.url : String(input);
    const method = init?.method ?? request?.method ?? 'GET';
    const attempt = context.active().getValue(ATTEMPT) as number | undefined;
    const given = Object.fromEntries(new Headers(init?.headers ?? request?.headers).entries());
    return tracedExchange({ service, method, url, attempt }, given, (headers) => inner(input, { ...init, headers }));
  };
}
