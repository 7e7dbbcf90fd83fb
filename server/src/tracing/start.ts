// Turns tracing on at process start when an OTLP endpoint is configured. Off (the default), the
// OpenTelemetry SDK is not even loaded: @opentelemetry/api's no-op tracer stays in place and the
// helpers in tracing.ts return at once.
import type { Config, ProcessRole } from '../config.ts';
import type { Logger } from '../logger.ts';

/** `flowdeck-api`, `flowdeck-worker`, `flowdeck-pdf-worker`; `flowdeck` for a process of several roles. */
export function serviceNameFor(roles: readonly ProcessRole[]): string {
  const distinct = [...new Set(roles)];
  return distinct.length === 1 && distinct[0] !== 'all' ? `flowdeck-${distinct[0]}` : 'flowdeck';
}

/** Starts the SDK if configured; the returned function flushes and stops it. */
export async function startTracing(config: Config, logger: Logger): Promise<() => Promise<void>> {
  const endpoint = config.tracing.otlpEndpoint;
  if (!endpoint) return async () => {};
  const serviceName = config.tracing.serviceName ?? serviceNameFor(config.roles);
  const { startOtlpTracing } = await import('./otlp.ts');
  const stop = await startOtlpTracing(serviceName);
  // The endpoint's origin only: its path or query could carry a token.
  logger.info({ serviceName, endpoint: new URL(endpoint).origin }, 'OpenTelemetry traces exported over OTLP');
  return stop;
}
