// Tracing into memory, for tests: the same global registration otlp.ts makes (AsyncLocalStorage
// context manager, W3C trace-context propagator, a tracer provider), with every finished span
// kept in an InMemorySpanExporter instead of being sent. Nothing in the product imports this.
import { context, propagation, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { setTracingEnabled } from './tracing.ts';

export interface InMemoryTracing {
  exporter: InMemorySpanExporter;
  /** Removes the global registration again. */
  stop(): Promise<void>;
}

export function registerInMemoryTracing(): InMemoryTracing {
  const exporter = new InMemorySpanExporter();
  // Simple (not batched): a span is in the exporter the moment it ends.
  const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
  const contextManager = new AsyncLocalStorageContextManager().enable();
  context.setGlobalContextManager(contextManager);
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
  trace.setGlobalTracerProvider(provider);
  setTracingEnabled(true);
  return {
    exporter,
    stop: async () => {
      setTracingEnabled(false);
      await provider.shutdown();
      trace.disable();
      propagation.disable();
      context.disable();
    },
  };
}
