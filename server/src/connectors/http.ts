// Request plumbing shared by the connector clients: timeouts that are told apart from
// cancellation, and the engine's abortable sleep and capped backoff (engine/retry.ts) in the
// connectors' terms: an aborted wait is a CancelledError.
import { AbortedError, backoffDelay, sleep as abortableSleep } from '../engine/retry.ts';
import { tracedExchange, type OutboundService } from '../tracing/http-client.ts';

/** Thrown when the step's signal fired (cancel or shutdown): never retried. */
export class CancelledError extends Error {
  constructor() {
    super('cancelled');
    this.name = 'CancelledError';
  }
}

/** A failure below HTTP: refused, reset, DNS, or our timeout (`timedOut`: the server may have acted). */
export class NetworkError extends Error {
  constructor(
    message: string,
    readonly timedOut: boolean,
  ) {
    super(message);
    this.name = 'NetworkError';
  }
}

export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await abortableSleep(ms, signal);
  } catch (err) {
    throw err instanceof AbortedError ? new CancelledError() : err;
  }
}

export { backoffDelay };

export interface RawResponse {
  status: number;
  headers: Headers;
  /** Parsed JSON when the body is JSON, else the text. */
  body: any;
}

export interface SendOptions {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams;
  signal?: AbortSignal;
  timeoutMs: number;
  /** For the trace: which outside system this is, and which attempt of the client's retry loop. */
  service: OutboundService;
  attempt?: number;
}

/**
 * One HTTP exchange: never retries, tells timeouts (NetworkError) from cancellation
 * (CancelledError). Traced as a CLIENT span of the step that makes it (tracing/http-client.ts).
 */
export function send(url: string, opts: SendOptions): Promise<RawResponse> {
  return tracedExchange({ service: opts.service, method: opts.method ?? 'GET', url, attempt: opts.attempt }, opts.headers, (headers) => exchange(url, { ...opts, headers }));
}

async function exchange(url: string, opts: SendOptions): Promise<RawResponse> {
  if (opts.signal?.aborted) throw new CancelledError();
  const timeout = AbortSignal.timeout(opts.timeoutMs);
  const signal = opts.signal ? AbortSignal.any([opts.signal, timeout]) : timeout;
  try {
    const res = await fetch(url, { method: opts.method ?? 'GET', headers: opts.headers, body: opts.body, signal });
    const text = await res.text();
    let body: any = text;
    if (text && (res.headers.get('content-type') ?? '').includes('json')) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    return { status: res.status, headers: res.headers, body };
  } catch (err) {
    if (opts.signal?.aborted) throw new CancelledError();
    if (timeout.aborted) throw new NetworkError(`timed out after ${opts.timeoutMs} ms`, true);
    const cause = (err as { cause?: { code?: string } }).cause?.code;
    throw new NetworkError(`network error${cause ? ` (${cause})` : ''}: ${(err as Error).message}`, false);
  }
}
