// The tracing helpers every traced place uses: spans, and the W3C trace context carried inside
// BullMQ jobs. They talk to @opentelemetry/api only. Until a tracer provider is installed
// (otlp.ts when OTEL_EXPORTER_OTLP_ENDPOINT is set, in-memory.ts in tests), `enabled` is false
// and every helper returns at once: no span objects, no context switches, no extra bytes in job
// data. That is what keeps tracing free when it is off (README "Traces" has the measurement).
//
// What goes into spans: ids (tenant, workflow, execution), step types and indexes, statuses,
// HTTP methods, hosts and paths. Never phone numbers, message text, template variables, tokens,
// API keys, query strings, payloads or error messages (which echo what a step was sending); an
// error is recorded by its type and code, and its redacted text is on the execution row.
import { context, propagation, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace, type Attributes, type Context, type Span } from '@opentelemetry/api';

export const TRACER_NAME = 'flowdeck';

let enabled = false;

/** True once a tracer provider is installed; every helper below is a pass-through until then. */
export function tracingEnabled(): boolean {
  return enabled;
}

/** Called by whatever installs the global tracer provider (otlp.ts, in-memory.ts). */
export function setTracingEnabled(on: boolean): void {
  enabled = on;
}

/** The trace context carried in a job's data: W3C `traceparent` (and `tracestate`) headers. */
export type TraceCarrier = Record<string, string>;

/** The current trace context as a carrier for a job, or undefined when tracing is off or no span is active. */
export function injectTraceContext(): TraceCarrier | undefined {
  if (!enabled) return undefined;
  const carrier: TraceCarrier = {};
  propagation.inject(context.active(), carrier);
  return carrier.traceparent ? carrier : undefined;
}

/**
 * The context a job's carrier stands for (a fresh root when it has none), as the `parent` of the
 * job's span. Undefined when tracing is off (inSpan then ignores it).
 */
export function extractTraceContext(carrier: TraceCarrier | undefined): Context | undefined {
  if (!enabled) return undefined;
  return carrier ? propagation.extract(ROOT_CONTEXT, carrier) : ROOT_CONTEXT;
}

/** Adds the current trace context to outgoing HTTP headers (a no-op when tracing is off). */
export function injectHeaders(headers: Record<string, string>): void {
  if (enabled) propagation.inject(context.active(), headers);
}

export interface SpanOptions {
  kind?: SpanKind;
  attributes?: Attributes;
  /** The parent context (an extracted job carrier); default: the active context. */
  parent?: Context;
  /** Start a new trace even if a span is active. */
  root?: boolean;
}

/**
 * Runs `fn` inside a new active span, ended when `fn` settles. A throw marks the span as an
 * error (by the error's type and code only, see the header) and is rethrown. When tracing is
 * off, `fn` runs with `undefined` and nothing else happens.
 */
export function inSpan<T>(name: string, options: SpanOptions, fn: (span: Span | undefined) => Promise<T>): Promise<T> {
  // Not an async function itself, so that off it adds no promise of its own.
  if (!enabled) return fn(undefined);
  return inNewSpan(name, options, fn);
}

async function inNewSpan<T>(name: string, options: SpanOptions, fn: (span: Span) => Promise<T>): Promise<T> {
  const tracer = trace.getTracer(TRACER_NAME);
  const parent = options.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes, root: options.root }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    recordError(span, err);
    throw err;
  } finally {
    span.end();
  }
}

/** Marks a span as failed by the error's type (and code, when it has one), never its message. */
export function recordError(span: Span | undefined, err: unknown): void {
  if (!span) return;
  const type = errorType(err);
  const code = (err as { code?: unknown; details?: { code?: unknown } } | null)?.details?.code ?? (err as { code?: unknown } | null)?.code;
  span.setAttribute('error.type', type);
  if (typeof code === 'string' || typeof code === 'number') span.setAttribute('flowdeck.error.code', String(code).slice(0, 64));
  span.addEvent('exception', { 'exception.type': type });
  span.setStatus({ code: SpanStatusCode.ERROR, message: type });
}

function errorType(err: unknown): string {
  if (err instanceof Error) return err.name && err.name !== 'Error' ? err.name : err.constructor?.name || 'Error';
  return typeof err;
}

/** Sets attributes on the active span, if tracing is on and one is active. */
export function setActiveSpanAttributes(attributes: Attributes): void {
  if (enabled) trace.getActiveSpan()?.setAttributes(attributes);
}

export { SpanKind, SpanStatusCode, type Span };
