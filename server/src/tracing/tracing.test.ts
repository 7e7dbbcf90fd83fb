// The helpers off (the default: no OTLP endpoint) and on (an in-memory provider).
import { afterEach, describe, expect, it } from 'vitest';
import { extractTraceContext, injectTraceContext, inSpan, tracingEnabled } from './tracing.ts';
import { safePath, tracedExchange } from './http-client.ts';
import { registerInMemoryTracing, type InMemoryTracing } from './in-memory.ts';

let tracing: InMemoryTracing | undefined;
afterEach(async () => {
  await tracing?.stop();
  tracing = undefined;
});

describe('tracing off', () => {
  it('adds nothing: no carrier for jobs, no span, no headers', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(injectTraceContext()).toBeUndefined();
    expect(extractTraceContext({ traceparent: '00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01' })).toBeUndefined();
    expect(await inSpan('x', {}, async (span) => span)).toBeUndefined();
    let sent: Record<string, string> | undefined;
    await tracedExchange({ service: 'meta', method: 'GET', url: 'http://127.0.0.1/x?access_token=t' }, { a: '1' }, async (h) => ((sent = h), { status: 200 }));
    expect(sent).toEqual({ a: '1' });
  });
});

describe('tracing on', () => {
  it('carries the active span in a job carrier and continues it from there', async () => {
    tracing = registerInMemoryTracing();
    const carrier = await inSpan('producer', {}, async () => injectTraceContext());
    expect(carrier?.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-01$/);
    await inSpan('consumer', { parent: extractTraceContext(carrier) }, async () => {});
    const [producer, consumer] = tracing.exporter.getFinishedSpans();
    expect(consumer!.parentSpanContext?.spanId).toBe(producer!.spanContext().spanId);
    expect(consumer!.spanContext().traceId).toBe(producer!.spanContext().traceId);
  });

  it('records a thrown error by its type only, and rethrows it', async () => {
    tracing = registerInMemoryTracing();
    class SecretError extends Error {
      override name = 'SecretError';
    }
    await expect(inSpan('failing', {}, async () => Promise.reject(new SecretError('+639175550134 token abc')))).rejects.toThrow('token abc');
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span!.status).toEqual({ code: 2, message: 'SecretError' });
    expect(JSON.stringify([span!.attributes, span!.events])).not.toMatch(/917|token/);
  });

  it('gives an outside-API call a CLIENT span with the path but no query, and a traceparent header', async () => {
    tracing = registerInMemoryTracing();
    let sent: Record<string, string> | undefined;
    await tracedExchange({ service: 'meta', method: 'get', url: 'https://graph.example/v23.0/act_1234567890/insights?access_token=secret', attempt: 2 }, { accept: 'json' }, async (h) => ((sent = h), { status: 503 }));
    const [span] = tracing.exporter.getFinishedSpans();
    expect(span!.name).toBe('GET meta');
    expect(span!.attributes).toEqual({
      'peer.service': 'meta',
      'http.request.method': 'GET',
      'server.address': 'graph.example',
      'server.port': 443,
      'url.path': '/v23.0/act_{n}/insights',
      'http.request.resend_count': 1,
      'http.response.status_code': 503,
      'error.type': '503',
    });
    expect(sent).toEqual({ accept: 'json', traceparent: `00-${span!.spanContext().traceId}-${span!.spanContext().spanId}-01` });
  });
});

describe('safePath', () => {
  it('masks digit runs as long as a phone number', () => {
    expect(safePath(new URL('http://h/contacts/639175550134/send/text?x=1'))).toBe('/contacts/{n}/send/text');
    expect(safePath(new URL('http://h/shops/301/orders'))).toBe('/shops/301/orders');
  });
});

describe('serviceNameFor', () => {
  it('names a process by its one role, or flowdeck for several', async () => {
    const { serviceNameFor } = await import('./start.ts');
    expect(serviceNameFor(['api'])).toBe('flowdeck-api');
    expect(serviceNameFor(['pdf-worker'])).toBe('flowdeck-pdf-worker');
    expect(serviceNameFor(['api', 'worker'])).toBe('flowdeck');
    expect(serviceNameFor(['all'])).toBe('flowdeck');
  });
});
