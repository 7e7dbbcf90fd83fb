// The OpenTelemetry SDK with an OTLP/HTTP trace exporter. Loaded (a dynamic import in start.ts)
// only when an OTLP endpoint is configured, so a process without one never even loads the SDK.
// No auto-instrumentation: the spans are the ones Flowdeck opens itself (tracing.ts), so the
// tree is exactly the run's (GraphQL operation → run → steps → outside-API calls), and nothing
// patches pg, ioredis or http underneath.
//
// The SDK reads the standard OTEL_* variables itself: OTEL_EXPORTER_OTLP_ENDPOINT (…/v1/traces is
// appended) or OTEL_EXPORTER_OTLP_TRACES_ENDPOINT, OTEL_EXPORTER_OTLP_HEADERS, OTEL_TRACES_SAMPLER
// (+ _ARG), OTEL_RESOURCE_ATTRIBUTES, OTEL_BSP_* (batching).
import { OTLPTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { setTracingEnabled } from './tracing.ts';

export async function startOtlpTracing(serviceName: string): Promise<() => Promise<void>> {
  const sdk = new NodeSDK({
    serviceName,
    traceExporter: new OTLPTraceExporter(),
    instrumentations: [],
    // Traces only: without these the SDK would also set up an OTLP log exporter by default.
    logRecordProcessors: [],
    metricReaders: [],
  });
  sdk.start();
  setTracingEnabled(true);
  return async () => {
    setTracingEnabled(false);
    // Sends the spans still batched.
    await sdk.shutdown();
  };
}
